"""The solver-agnostic contract: options in, a frozen result out.

A result keeps *why the solver stopped* (:class:`TerminationCondition`) apart from *what came back*
(:class:`SolutionStatus`), so "time limit with a feasible incumbent" and "time limit with nothing" are
different results and neither is an exception.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Hashable, Mapping
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


#: Largest LP (rows + columns) that gets ranging when ``SolveOptions.ranging`` is None.
RANGING_AUTO_LIMIT = 20_000


@dataclass(frozen=True)
class SolveOptions:
    """Options every backend understands; ``solver_options`` passes anything else through verbatim."""

    time_limit: float | None = None
    threads: int | None = None
    rel_gap: float | None = None
    seed: int = 0
    verbose: bool = False
    solver_options: Mapping[str, Any] = field(default_factory=dict)
    #: LP cost and right-hand-side ranging: True always, False never, None (default) for LPs of at most
    #: ``RANGING_AUTO_LIMIT`` rows plus columns. HiGHS's ranging can cost more than the solve itself on big
    #: LPs (13.4 s against a 5.6 s solve on 40k columns), so big LPs get duals and slacks but no ranges
    #: unless asked.
    ranging: bool | None = None

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


#: Ranges in the same shape: ``{"x": {(1, "A"): (low, high)}, "z": (low, high)}``; an end may be +-inf.
Ranges = Mapping[str, "tuple[float, float] | Mapping[Hashable, tuple[float, float]]"]


@dataclass(frozen=True)
class Sensitivity:
    """LP sensitivity at an optimal basis, in the Formulation's names (the solution's key convention).

    ``duals``: per constraint, the shadow price: the change of the objective per unit increase of its
    bound, the constant its variables are compared with (``450`` in ``sum(w[p]*make[p] for p in P) + 10 <=
    450``; ``0`` when both sides hold variables). ``slacks``: per constraint, the
    distance from its activity to the nearest bound (0 when binding). ``reduced_costs``: per variable, the
    change of the objective per unit increase of the variable from its bound. ``cost_ranges``: per variable,
    the objective coefficients within which the solution stays optimal. ``rhs_ranges``: per constraint, the
    values of its bound within which the duals stay valid. Both ranges are empty when ranging was not
    computed (see ``SolveOptions.ranging``).
    """

    duals: Solution = field(default_factory=dict)
    slacks: Solution = field(default_factory=dict)
    reduced_costs: Solution = field(default_factory=dict)
    cost_ranges: Ranges = field(default_factory=dict)
    rhs_ranges: Ranges = field(default_factory=dict)


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
    #: Duals, slacks, reduced costs and ranging for a solved LP (None for MIPs and where not computed).
    sensitivity: Sensitivity | None = None
    #: The Formulation's named expressions at the solution, shaped like ``solution`` (set by the checker).
    expressions: Solution = field(default_factory=dict)
    #: Each objective's value, in priority order, when there are several (lexicographic goals).
    objectives: Mapping[str, float] = field(default_factory=dict)
    #: The objective rounded as the Formulation asks (``objective.round``, half away from zero); None when
    #: it asks for no rounding. ``objective`` stays the exact value.
    reported_objective: float | None = None

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
            object.__setattr__(self, "sensitivity", None)
            object.__setattr__(self, "message", "; ".join(filter(None, [self.message, note])))

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution

    @property
    def answer_value(self) -> float | None:
        """The value to give as the answer: the objective, rounded when the Formulation asks it rounded."""
        return self.objective if self.reported_objective is None else self.reported_objective

    @property
    def is_infeasible(self) -> bool:
        """The solver proved that no point satisfies every constraint."""
        return (
            self.termination is TerminationCondition.INFEASIBLE
            or self.status is SolutionStatus.INFEASIBLE
        )

    @property
    def is_unbounded(self) -> bool:
        """Unbounded, or infeasible-or-unbounded (solvers that cannot tell the two apart)."""
        return self.status is SolutionStatus.UNBOUNDED or self.termination in (
            TerminationCondition.UNBOUNDED,
            TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
        )

    def value(self, name: str, key: Hashable | None = None) -> float:
        """Value of variable ``name`` (at ``key`` when indexed); raises ``KeyError`` saying what is absent."""
        return float(lookup(self.solution, name, key, "variable"))

    def to_dict(self, integer_variables: Collection[str] = ()) -> dict[str, Any]:
        """A stable JSON-serialisable shape (used by ``optmodel solve --output json``).

        Numbers are tidied (:func:`~optmodel.solvers.tidy.tidy_number`): noise below the solvers' tolerance
        removed, integral values as integers; ``integer_variables`` get the integrality tolerance. The raw
        values stay in :attr:`solution` and :attr:`sensitivity`.
        """
        from optmodel.solvers.tidy import tidy_number

        sens = self.sensitivity
        values: list[dict[str, Any]] = []
        for name, key, val in entries(self.solution):
            row: dict[str, Any] = {
                "name": name,
                "index": _index_list(key),
                "value": tidy_number(val, integer_variable=name in integer_variables),
            }
            if sens is not None:
                row["reduced_cost"] = tidy_number(entry_at(sens.reduced_costs, name, key))
                row["cost_range"] = _tidy_range(entry_at(sens.cost_ranges, name, key))
            values.append(row)
        payload: dict[str, Any] = {
            "termination": self.termination.value,
            "status": self.status.value,
            "objective": tidy_number(self.objective),
            "reported_objective": tidy_number(self.reported_objective),
            "best_bound": tidy_number(self.best_bound),
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
        if sens is not None:
            payload["constraints"] = [
                {
                    "name": name,
                    "index": _index_list(key),
                    "dual": tidy_number(dual),
                    "slack": tidy_number(entry_at(sens.slacks, name, key)),
                    "rhs_range": _tidy_range(entry_at(sens.rhs_ranges, name, key)),
                }
                for name, key, dual in entries(sens.duals)
            ]
        if self.objectives:
            payload["objectives"] = {k: tidy_number(v) for k, v in self.objectives.items()}
        if self.expressions:
            payload["expressions"] = [
                {"name": name, "index": _index_list(key), "value": tidy_number(val)}
                for name, key, val in entries(self.expressions)
            ]
        return payload


def entries(values: Mapping[str, Any]) -> list[tuple[str, Hashable | None, Any]]:
    """``(name, key, value)`` for every entry of a solution-shaped mapping (key None for scalars)."""
    rows: list[tuple[str, Hashable | None, Any]] = []
    for name, entry in values.items():
        if isinstance(entry, Mapping):
            rows.extend((name, key, val) for key, val in entry.items())
        else:
            rows.append((name, None, entry))
    return rows


def named_entry(values: Mapping[str, Any], name: str, kind: str) -> Any:
    """``values[name]``; a ``KeyError`` listing the known names when absent."""
    if name not in values:
        known = ", ".join(sorted(values)) or "none"
        raise KeyError(f"no {kind} named {name!r}; known: {known}")
    return values[name]


def lookup(values: Mapping[str, Any], name: str, key: Hashable | None, kind: str) -> Any:
    """``values[name]`` (scalar) or ``values[name][key]`` (indexed), with errors that say what to pass.

    A one-element tuple or a list key is accepted for the member or tuple it holds.
    """
    entry = named_entry(values, name, kind)
    if not isinstance(entry, Mapping):
        if key is not None:
            raise KeyError(f"{kind} {name!r} is a scalar; call it without a key")
        return entry
    if key is None:
        raise KeyError(
            f"{kind} {name!r} is indexed; pass a key such as {next(iter(entry), '...')!r}, "
            "or read them all as a pandas Series with .values(name)"
        )
    if isinstance(key, list):
        key = tuple(key)
    if isinstance(key, tuple) and len(key) == 1:
        key = key[0]
    if key not in entry:
        raise KeyError(f"{kind} {name!r} has no entry at {key!r}")
    return entry[key]


def entry_at(values: Mapping[str, Any], name: str, key: Hashable | None) -> Any:
    """``values[name]`` (scalar) or ``values[name][key]``; None when absent."""
    entry = values.get(name)
    if isinstance(entry, Mapping):
        return entry.get(key)
    return entry


def _index_list(key: Hashable | None) -> list[Any] | None:
    if key is None:
        return None
    return list(key) if isinstance(key, tuple) else [key]


def _tidy_range(bounds: tuple[float, float] | None) -> list[float | int | None] | None:
    from optmodel.solvers.tidy import tidy_number

    if bounds is None:
        return None
    # JSON has no infinity: an open end is null.
    return [tidy_number(b) if math.isfinite(b) else None for b in bounds]


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
