"""Duals, slacks, reduced costs and ranging of a solved LP from a highspy ``Highs``, in the Formulation's names.

Every path that solves an LP with highspy (the Pyomo-extracted standard form today, a matrix fast path
tomorrow) calls :func:`lp_sensitivity` with its column and row labels, so the answers agree.
HiGHS reports duals in the user's sense (``d objective / d bound`` for minimisation and maximisation
alike), which is the shadow-price convention we promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.solvers.base import Sensitivity
from optmodel.standard_form.labels import by_symbols

if TYPE_CHECKING:
    import highspy

    from optmodel.symbols import Symbol

#: A row whose activity is within this of a bound is binding (HiGHS's primal feasibility tolerance).
BINDING_TOLERANCE = 1e-7


def lp_sensitivity(
    highs: highspy.Highs,
    column_symbols: Sequence[Symbol | None],
    row_symbols: Sequence[Symbol | None],
    row_shift: np.ndarray | None = None,
    *,
    ranging: bool = True,
    row_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    solution: Any = None,
) -> Sensitivity | None:
    """Sensitivity of the LP ``highs`` has just solved to optimality; None without a valid dual solution.

    ``column_symbols``/``row_symbols`` name each column and row (None leaves it out, e.g. auxiliaries);
    ``row_shift`` is added to row bounds to give the constraint's own constant side (a body's constant
    was moved into the row bounds when the standard form was built). Without ``ranging`` the cost and
    right-hand-side ranges are left empty (HiGHS's ranging can cost more than the solve). ``row_bounds``
    (the row bounds passed to HiGHS) and ``solution`` (its ``getSolution()``) save copying them out again.
    """
    solution = highs.getSolution() if solution is None else solution
    if not solution.dual_valid:
        return None
    if row_bounds is None:
        lp = highs.getLp()  # a copy of the whole model, matrix included
        lower = np.asarray(lp.row_lower_, dtype=np.float64)
        upper = np.asarray(lp.row_upper_, dtype=np.float64)
    else:
        lower = np.asarray(row_bounds[0], dtype=np.float64)
        upper = np.asarray(row_bounds[1], dtype=np.float64)
    activity = np.asarray(solution.row_value, dtype=np.float64)
    shift = np.zeros(len(lower)) if row_shift is None else np.asarray(row_shift, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        slack = np.minimum(upper - activity, activity - lower)
    sensitivity = Sensitivity(
        duals=by_symbols(row_symbols, _floats(solution.row_dual)),
        slacks=by_symbols(row_symbols, _floats(np.maximum(slack, 0.0))),
        reduced_costs=by_symbols(column_symbols, _floats(solution.col_dual)),
    )
    if not ranging:
        return sensitivity
    status, computed = highs.getRanging()
    ranged = computed if status.name == "kOk" else None
    rhs_low, rhs_high = _rhs_ranges(ranged, lower, upper, activity, slack)
    cost_low, cost_high = _cost_ranges(ranged, len(column_symbols))
    return replace(
        sensitivity,
        cost_ranges=by_symbols(column_symbols, _pairs(cost_low, cost_high)),
        rhs_ranges=by_symbols(row_symbols, _pairs(rhs_low + shift, rhs_high + shift)),
    )


def _rhs_ranges(
    ranging: Any,
    lower: np.ndarray,
    upper: np.ndarray,
    activity: np.ndarray,
    slack: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For a binding row, HiGHS's bound ranging; for a slack one, the side that may move to the activity."""
    n = len(lower)
    low, high = np.full(n, -np.inf), np.full(n, np.inf)
    if ranging is not None and n:
        low = np.asarray(ranging.row_bound_dn.value_, dtype=np.float64)[:n].copy()
        high = np.asarray(ranging.row_bound_up.value_, dtype=np.float64)[:n].copy()
    loose = slack > BINDING_TOLERANCE
    upper_side = loose & np.isfinite(upper) & ~np.isfinite(lower)
    lower_side = loose & np.isfinite(lower) & ~np.isfinite(upper)
    low[upper_side], high[upper_side] = activity[upper_side], np.inf
    low[lower_side], high[lower_side] = -np.inf, activity[lower_side]
    return low + 0.0, high + 0.0


def _cost_ranges(ranging: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    if ranging is None or not n:
        return np.full(n, np.nan), np.full(n, np.nan)
    low = np.asarray(ranging.col_cost_dn.value_, dtype=np.float64)[:n]
    high = np.asarray(ranging.col_cost_up.value_, dtype=np.float64)[:n]
    return low + 0.0, high + 0.0


def _floats(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) + 0.0  # + 0.0 turns -0.0 into 0.0


def _pairs(low: np.ndarray, high: np.ndarray) -> list[tuple[float, float]]:
    return list(zip(low.tolist(), high.tolist(), strict=True))
