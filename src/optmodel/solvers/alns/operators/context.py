"""What destroy operators may read, and the helper that turns "keep these free" into fixings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood

#: Most recent distinct solutions kept for crossover and DINS.
POOL_SIZE = 10


@dataclass
class OperatorContext:
    """Shared, slowly changing search information (the current solution is passed separately)."""

    data: MipData
    lp_solution: np.ndarray | None = None
    pool: list[np.ndarray] = field(default_factory=list)

    def remember(self, x: np.ndarray) -> None:
        """Add a solution to the pool unless its integer part is already there."""
        ints = self.data.integer
        if any(np.array_equal(x[ints], old[ints]) for old in self.pool):
            return
        self.pool.append(x.copy())
        del self.pool[:-POOL_SIZE]


#: A destroy operator: (context, current solution, destroy rate, rng) -> neighbourhood.
DestroyOperator = Callable[[OperatorContext, np.ndarray, float, np.random.Generator], Neighbourhood]


def free_count(data: MipData, rate: float) -> int:
    """How many integer columns a neighbourhood with destroy ``rate`` leaves free (at least one)."""
    n_int = len(data.integer_indices)
    return min(n_int, max(1, round(rate * n_int)))


def fix_all_but(
    name: str, rate: float, data: MipData, x: np.ndarray, free: np.ndarray
) -> Neighbourhood:
    """Fix every integer column outside ``free`` to its value in ``x``."""
    keep = np.zeros(data.n_cols, dtype=bool)
    keep[free] = True
    fixed = np.flatnonzero(data.integer & ~keep)
    return Neighbourhood(name, rate, fixed=fixed, fixed_values=x[fixed])


def fix_some_of(
    name: str,
    rate: float,
    data: MipData,
    x: np.ndarray,
    preferred: np.ndarray,
    rng: np.random.Generator,
) -> Neighbourhood:
    """Fix exactly ``n_int - free_count(rate)`` integer columns to ``x``, taking ``preferred`` ones first.

    Surplus preferred columns are dropped at random; when there are too few, random other integer
    columns are fixed as well, so the destroy rate always decides the neighbourhood's size.
    """
    ints = data.integer_indices
    budget = len(ints) - free_count(data, rate)
    if len(preferred) >= budget:
        chosen = rng.choice(preferred, size=budget, replace=False)
    else:
        others = np.setdiff1d(ints, preferred, assume_unique=True)
        extra = rng.choice(others, size=budget - len(preferred), replace=False)
        chosen = np.concatenate([preferred, extra])
    chosen = np.sort(chosen.astype(np.int64))
    return Neighbourhood(name, rate, fixed=chosen, fixed_values=x[chosen])
