"""The contract between the search loop and a sub-MIP solver (HiGHS or CP-SAT)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.state import MipState

#: Called with every improving solution the initial solve finds.
SolutionCallback = Callable[[np.ndarray], None]


@dataclass(frozen=True, eq=False)
class SubMipOutcome:
    """Result of one sub-MIP: a solution (or None) and whether the neighbourhood was searched completely."""

    x: np.ndarray | None
    status: str  # "optimal", "infeasible", "time_limit", "node_limit", "interrupted", "error"
    exhausted: bool
    seconds: float
    work: float  # deterministic effort: simplex iterations + nodes (HiGHS), conflicts + branches (CP-SAT)
    #: The limit struck before branching started (root LP/presolve too slow): a smaller neighbourhood
    #: would not help much, more time would.
    stopped_at_root: bool = False


@dataclass(frozen=True, eq=False)
class InitialOutcome:
    """Result of the initial full-model solve."""

    x: np.ndarray | None
    proven_optimal: bool
    proven_infeasible: bool
    unbounded: bool  # unbounded, or (HiGHS) infeasible-or-unbounded: see ``status``
    dual_bound: float | None  # in the model's own sense
    status: str

    @property
    def decided(self) -> bool:
        """True when the solve settled the model (optimal, infeasible or unbounded)."""
        return self.proven_optimal or self.proven_infeasible or self.unbounded


class SubMipSolver(Protocol):
    """One solver instance, loaded once with the model and reused for every iteration."""

    name: str

    def initial_solve(
        self,
        time_limit: float,
        stall_seconds: float,
        on_solution: SolutionCallback,
        stop_at_first: bool = False,
        node_limit: int | None = None,
    ) -> InitialOutcome:
        """Solve the full model until ``time_limit``, or until ``stall_seconds`` pass without improvement
        once a solution exists (checked when the solver offers a chance), or at the first solution,
        or after ``node_limit`` branch-and-bound nodes."""
        ...

    def solve(
        self,
        neighbourhood: Neighbourhood,
        current: MipState,
        time_limit: float,
        node_limit: int | None,
    ) -> SubMipOutcome:
        """Search ``neighbourhood`` for a solution strictly better than ``current``; restores the model."""
        ...
