"""A standard-form MIP held in numpy arrays: ``min/max c@x + offset, row_lower <= A x <= row_upper``.

The ALNS works on this in-memory form: operators read it to build neighbourhoods, the state checks
feasibility against it, and the sub-MIP solvers load it once. ``A`` is kept in compressed-row form; the
column-wise view is derived on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

#: Tolerances for feasibility checks (HiGHS defaults: primal 1e-7, MIP 1e-6; a little looser on purpose).
FEAS_TOL = 1e-6
INT_TOL = 1e-5


@dataclass(frozen=True, eq=False)
class MipData:
    """An immutable MIP. Arrays must not be modified after construction."""

    name: str
    col_names: tuple[str, ...]
    cost: np.ndarray
    offset: float
    maximize: bool
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool mask
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray  # CSR pointers, length n_rows + 1
    row_index: np.ndarray  # column index of each nonzero
    row_value: np.ndarray

    def __post_init__(self) -> None:
        n, m = len(self.cost), len(self.row_lower)
        shapes = {
            "col_names": len(self.col_names),
            "col_lower": len(self.col_lower),
            "col_upper": len(self.col_upper),
            "integer": len(self.integer),
        }
        for what, size in shapes.items():
            if size != n:
                raise ValueError(f"{what} has {size} entries, expected {n} (one per column)")
        if len(self.row_upper) != m or len(self.row_start) != m + 1:
            raise ValueError("row bounds and row_start must match the number of rows")
        if len(self.row_index) != len(self.row_value) or self.row_start[-1] != len(self.row_index):
            raise ValueError("row_index/row_value must hold exactly row_start[-1] nonzeros")

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def sense(self) -> float:
        """+1 for minimisation, -1 for maximisation: ``sense * objective`` is always minimised."""
        return -1.0 if self.maximize else 1.0

    @cached_property
    def min_cost(self) -> np.ndarray:
        """Cost vector of the equivalent minimisation problem."""
        return self.sense * self.cost

    @cached_property
    def integer_indices(self) -> np.ndarray:
        return np.flatnonzero(self.integer)

    @cached_property
    def binary(self) -> np.ndarray:
        """Mask of integer columns with bounds inside [0, 1]."""
        return self.integer & (self.col_lower >= 0) & (self.col_upper <= 1)

    @cached_property
    def binary_indices(self) -> np.ndarray:
        return np.flatnonzero(self.binary)

    @cached_property
    def is_pure_integer(self) -> bool:
        return bool(self.integer.all())

    @cached_property
    def has_integral_objective(self) -> bool:
        """True when every feasible objective value is an integer (integral costs on integer columns only)."""
        on_cont = self.cost[~self.integer]
        on_int = self.cost[self.integer]
        return (
            bool(np.all(on_cont == 0))
            and bool(np.all(on_int == np.round(on_int)))
            and float(self.offset).is_integer()
        )

    @cached_property
    def row_of_nonzero(self) -> np.ndarray:
        """Row index of each nonzero (COO view of the CSR arrays)."""
        return np.repeat(np.arange(self.n_rows), np.diff(self.row_start))

    @cached_property
    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Column-wise view ``(col_start, rows)``: the rows of column j are ``rows[col_start[j]:col_start[j+1]]``."""
        order = np.argsort(self.row_index, kind="stable")
        counts = np.bincount(self.row_index, minlength=self.n_cols)
        col_start = np.concatenate([[0], np.cumsum(counts)])
        return col_start, self.row_of_nonzero[order]

    def objective(self, x: np.ndarray) -> float:
        """Objective value in the model's own sense."""
        return float(self.cost @ x + self.offset)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.row_of_nonzero, weights=self.row_value * x[self.row_index], minlength=self.n_rows
        )

    def max_violation(self, x: np.ndarray) -> float:
        """Largest absolute violation of a row, a bound or integrality at ``x``."""
        act = self.row_activity(x)
        ints = x[self.integer]
        return float(
            max(
                np.max(np.maximum(self.row_lower - act, act - self.row_upper), initial=0.0),
                np.max(np.maximum(self.col_lower - x, x - self.col_upper), initial=0.0),
                np.max(np.abs(ints - np.round(ints)), initial=0.0),
            )
        )

    def is_feasible(self, x: np.ndarray) -> bool:
        """True when ``x`` satisfies rows and bounds within FEAS_TOL and integrality within INT_TOL."""
        act = self.row_activity(x)
        tol_rows = FEAS_TOL * (1.0 + np.abs(act))
        rows_ok = np.all(act >= self.row_lower - tol_rows) and np.all(
            act <= self.row_upper + tol_rows
        )
        bounds_ok = np.all(x >= self.col_lower - FEAS_TOL) and np.all(
            x <= self.col_upper + FEAS_TOL
        )
        ints = x[self.integer]
        return bool(rows_ok and bounds_ok and np.all(np.abs(ints - np.round(ints)) <= INT_TOL))
