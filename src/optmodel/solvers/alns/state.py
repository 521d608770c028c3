"""Solution states the ``alns`` package moves between (it only needs ``objective()``, minimised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood


@dataclass(frozen=True, eq=False)
class Move:
    """What the last iteration did; the selector turns it into a reward, the trajectory records it."""

    operator: str
    rate: float
    seconds: float
    time_limit: float  # the limit the sub-MIP ran under
    #: What rewards and rate adaptation measure: seconds, or solver work in deterministic mode.
    effort: float
    #: The effort the iteration was allowed (None when unknown, e.g. work in deterministic mode).
    effort_limit: float | None
    #: "improved", or the sub-MIP's own status when it did not improve.
    status: str
    #: The sub-MIP's own status: "optimal", "infeasible", "time_limit", "node_limit", "skipped", ...
    solver_status: str
    exhausted: bool  # the sub-MIP was searched completely (optimal or infeasible) within its limits
    stopped_at_root: bool  # the time limit struck before branching began
    objective_before: float  # minimisation form
    objective_after: float


@dataclass(frozen=True, eq=False)
class MipState:
    """A feasible solution ``x`` (integer columns rounded) with its objective in minimisation form.

    ``neighbourhood`` is set on the destroyed copy handed to the repair step; ``move`` on the candidate
    the repair step returns.
    """

    x: np.ndarray
    min_objective: float
    neighbourhood: Neighbourhood | None = None
    move: Move | None = None

    def objective(self) -> float:
        """The value ``alns`` minimises."""
        return self.min_objective

    @classmethod
    def from_solution(cls, data: MipData, x: np.ndarray) -> MipState:
        """Round integer columns (a solver returns 0.9999999 for 1) and evaluate the objective."""
        clean = np.array(x, dtype=float)
        clean[data.integer] = np.round(clean[data.integer])
        clean = np.clip(clean, data.col_lower, data.col_upper)
        return cls(clean, float(data.min_cost @ clean + data.sense * data.offset))
