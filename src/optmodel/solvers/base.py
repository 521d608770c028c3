"""The solver-agnostic contract: options in, a frozen result out.

A result keeps *why the solver stopped* (:class:`TerminationCondition`) apart from *what came back*
(:class:`SolutionStatus`), so "time limit with a feasible incumbent" and "time limit with nothing" are
different results and neither is an exception.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optmodel.solvers.classify import ProblemClass
    from optmodel.symbols import SymbolMap


class TerminationCondition(str, enum.Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    OBJECTIVE_LIMIT = "objective_limit"
    INTERRUPTED = "interrupted"
    NUMERICAL_ERROR = "numerical_error"
    ERROR = "error"
    UNKNOWN = "unknown"


class SolutionStatus(str, enum.Enum):
    """What came back."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"

    @property
    def has_solution(self) -> bool:
        return self in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveOptions:
    """Options every backend understands; ``solver_options`` passes anything else through verbatim."""

    time_limit: float | None = None
    threads: int | None = None
    rel_gap: float | None = None
    seed: int = 0
    verbose: bool = False
    solver_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError(f"time_limit must be positive, got {self.time_limit}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.rel_gap is not None and self.rel_gap < 0:
            raise ValueError(f"rel_gap must be non-negative, got {self.rel_gap}")


#: Solution values in the Formulation's own names: ``{"x": {(1, "A"): 3.0}, "z": 7.0}``.
#: Scalar variables map to a float; indexed ones to ``{key: value}`` with Pyomo's key convention
#: (the member itself for one dimension, a tuple for several).
Solution = Mapping[str, "float | Mapping[Hashable, float]"]


@dataclass(frozen=True)
class SolveResult:
    """The outcome of one solve. Infeasible, unbounded and time-limited solves are results too."""

    termination: TerminationCondition
    status: SolutionStatus
    solver: str
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    wall_time: float = 0.0
    solver_version: str = ""
    solution: Solution = field(default_factory=dict)
    #: Constraint names of an irreducible infeasible subset (or the solver's best conflict set).
    conflicts: tuple[str, ...] = ()
    #: Variables that grow without bound along an unbounded ray, where the solver tells.
    unbounded_variables: tuple[str, ...] = ()
    #: Largest violation of any Formulation constraint at the returned solution (set by the checker).
    max_violation: float | None = None
    message: str = ""
    log: str = ""
    #: Backend-specific extras (e.g. the ALNS trajectory); values are JSON-serialisable.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The one place every backend's result passes: an "optimal" objective of inf or NaN is a numerical
        # failure, never an answer (HiGHS reports optimal -inf for coefficients of 1e300).
        objective = self.objective
        if self.status.has_solution and objective is not None and not math.isfinite(objective):
            note = f"the solver reported objective {objective}: numerically unusable"
            object.__setattr__(self, "termination", TerminationCondition.NUMERICAL_ERROR)
            object.__setattr__(self, "status", SolutionStatus.NO_SOLUTION)
            object.__setattr__(self, "objective", None)
            object.__setattr__(self, "solution", {})
            object.__setattr__(self, "message", "; ".join(filter(None, [self.message, note])))

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution

    def value(self, name: str, key: Hashable | None = None) -> float:
        """Value of variable ``name`` (at ``key`` when indexed); raises ``KeyError`` if absent."""
        entry = self.solution[name]
        if isinstance(entry, Mapping):
            return float(entry[key])
        return float(entry)

    def to_dict(self) -> dict[str, Any]:
        """A stable JSON-serialisable shape (used by ``optmodel solve --output json``)."""
        values: list[dict[str, Any]] = []
        for name, entry in self.solution.items():
            if isinstance(entry, Mapping):
                for key, val in entry.items():
                    index = list(key) if isinstance(key, tuple) else [key]
                    values.append({"name": name, "index": index, "value": val})
            else:
                values.append({"name": name, "index": None, "value": entry})
        return {
            "termination": self.termination.value,
            "status": self.status.value,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": self.gap,
            "wall_time": self.wall_time,
            "solver": self.solver,
            "solver_version": self.solver_version,
            "max_violation": self.max_violation,
            "conflicts": list(self.conflicts),
            "unbounded_variables": list(self.unbounded_variables),
            "message": self.message,
            "values": values,
        }


@runtime_checkable
class SolverBackend(Protocol):
    """What every backend provides. Backends take a Pyomo model; they never see a Formulation."""

    name: str

    def available(self) -> bool:
        """True when the underlying library can be imported and used."""
        ...

    def supports(self, problem_class: ProblemClass) -> bool:
        """True when this backend solves ``problem_class`` correctly (not merely without crashing)."""
        ...

    def solve(
        self,
        model: pyo.ConcreteModel,
        options: SolveOptions,
        symbols: SymbolMap | None = None,
    ) -> SolveResult:
        """Solve ``model``; map values and conflicts back through ``symbols`` when given."""
        ...
