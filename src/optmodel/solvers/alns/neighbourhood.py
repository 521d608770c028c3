"""What a destroy operator hands to the sub-MIP solver: which integer columns are fixed or narrowed,
plus an optional local-branching row or proximity objective."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optmodel.solvers.alns.mip_data import MipData

_EMPTY_INT = np.zeros(0, dtype=np.int64)
_EMPTY_FLOAT = np.zeros(0)


@dataclass(frozen=True, eq=False)
class Neighbourhood:
    """A restriction of the MIP around the current solution.

    ``fixed`` columns are set to ``fixed_values``; ``narrowed`` columns get the bounds
    ``[narrowed_lower, narrowed_upper]``. Both touch integer columns only — continuous columns stay
    free so the sub-MIP can re-optimise them (fixing them is what stalls Balans on facility location).
    ``local_branching`` adds ``sum_{j binary} |x_j - x̄_j| <= k``; ``proximity`` replaces the objective
    by the Hamming distance to the current solution and requires a strict improvement.
    """

    operator: str
    rate: float
    fixed: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    fixed_values: np.ndarray = field(default_factory=lambda: _EMPTY_FLOAT)
    narrowed: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    narrowed_lower: np.ndarray = field(default_factory=lambda: _EMPTY_FLOAT)
    narrowed_upper: np.ndarray = field(default_factory=lambda: _EMPTY_FLOAT)
    local_branching: int | None = None
    proximity: bool = False

    def check(self, data: MipData) -> None:
        """Raise ``ValueError`` unless only integer columns are touched, with integral values in bounds."""
        for what, cols in (("fixed", self.fixed), ("narrowed", self.narrowed)):
            if cols.size and not data.integer[cols].all():
                raise ValueError(f"{self.operator}: {what} columns must all be integer")
            if len(np.unique(cols)) != len(cols):
                raise ValueError(f"{self.operator}: {what} columns repeat")
        if len(self.fixed) != len(self.fixed_values):
            raise ValueError(f"{self.operator}: one value per fixed column")
        if np.intersect1d(self.fixed, self.narrowed).size:
            raise ValueError(f"{self.operator}: a column is both fixed and narrowed")
        values = self.fixed_values
        if np.any(values != np.round(values)):
            raise ValueError(f"{self.operator}: fixed values must be integral")
        lo, up = data.col_lower[self.fixed], data.col_upper[self.fixed]
        if np.any(values < lo) or np.any(values > up):
            raise ValueError(f"{self.operator}: fixed values must lie within the column bounds")
        if self.local_branching is not None and self.local_branching < 1:
            raise ValueError(f"{self.operator}: the local-branching radius must be >= 1")

    def contains(self, x: np.ndarray) -> bool:
        """True when ``x`` satisfies the fixings and narrowed bounds (so it is a valid MIP start)."""
        return bool(
            np.all(x[self.fixed] == self.fixed_values)
            and np.all(x[self.narrowed] >= self.narrowed_lower)
            and np.all(x[self.narrowed] <= self.narrowed_upper)
        )
