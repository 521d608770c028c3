"""Neighbourhoods guided by the LP relaxation: RINS, RENS and DINS."""

from __future__ import annotations

import numpy as np

from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.operators.context import OperatorContext, fix_some_of

_INT_TOL = 1e-6


def _lp(ctx: OperatorContext) -> np.ndarray:
    if ctx.lp_solution is None:
        raise ValueError("this operator needs the LP relaxation; it was not solved")
    return ctx.lp_solution


def rins(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Fix ``1 - rate`` of the integer columns, those whose value equals the LP relaxation's first."""
    data, lp = ctx.data, _lp(ctx)
    ints = data.integer_indices
    agree = ints[np.abs(x[ints] - lp[ints]) <= _INT_TOL]
    return fix_some_of("rins", rate, data, x, agree, rng)


def rens(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Fix the integer columns that are integral in the LP relaxation to their LP value; narrow the
    fractional ones to [floor, ceil] of their LP value.

    Exactly ``n_int - free_count(rate)`` columns are fixed: LP-integral ones first; when they are too
    few, fractional ones are fixed at the current solution's value (rounding the LP instead mostly made
    the sub-MIP infeasible). The current solution need not lie in this neighbourhood, so the sub-MIP
    gets an explicit cutoff.
    """
    data, lp = ctx.data, _lp(ctx)
    ints = data.integer_indices
    integral = ints[np.abs(lp[ints] - np.round(lp[ints])) <= _INT_TOL]
    values = x.copy()
    values[integral] = np.clip(
        np.round(lp[integral]), data.col_lower[integral], data.col_upper[integral]
    )
    nb = fix_some_of("rens", rate, data, values, integral, rng)
    is_fixed = np.zeros(data.n_cols, dtype=bool)
    is_fixed[nb.fixed] = True
    fractional = ints[~is_fixed[ints] & (np.abs(lp[ints] - np.round(lp[ints])) > _INT_TOL)]
    return Neighbourhood(
        "rens",
        rate,
        fixed=nb.fixed,
        fixed_values=nb.fixed_values,
        narrowed=fractional,
        narrowed_lower=np.maximum(np.floor(lp[fractional]), data.col_lower[fractional]),
        narrowed_upper=np.minimum(np.ceil(lp[fractional]), data.col_upper[fractional]),
    )


def dins(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Distance-induced: fix ``1 - rate`` of the integer columns, first those where the solution is
    within 0.5 of the LP value and agrees with the previous pooled solution; bound the remaining general
    integers to within their LP distance of the solution."""
    data, lp = ctx.data, _lp(ctx)
    ints = data.integer_indices
    distance = np.abs(x[ints] - lp[ints])
    stable = distance < 0.5
    previous = [y for y in ctx.pool if not np.array_equal(y[ints], x[ints])]
    if previous:
        stable &= np.abs(previous[-1][ints] - x[ints]) < 0.5
    nb = fix_some_of("dins", rate, data, x, ints[stable], rng)
    is_fixed = np.zeros(data.n_cols, dtype=bool)
    is_fixed[nb.fixed] = True
    general = ints[~data.binary[ints] & ~is_fixed[ints]]
    if general.size == 0:
        return nb
    reach = np.maximum(1.0, np.ceil(np.abs(x[general] - lp[general])))
    lower = np.maximum(x[general] - reach, data.col_lower[general])
    upper = np.minimum(x[general] + reach, data.col_upper[general])
    return Neighbourhood(
        "dins",
        rate,
        fixed=nb.fixed,
        fixed_values=nb.fixed_values,
        narrowed=general,
        narrowed_lower=lower,
        narrowed_upper=upper,
    )
