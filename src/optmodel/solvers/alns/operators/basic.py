"""Neighbourhoods that need only solutions: random (mutation) and crossover."""

from __future__ import annotations

import numpy as np

from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.operators.context import (
    OperatorContext,
    fix_all_but,
    fix_some_of,
    free_count,
)


def random_neighbourhood(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Mutation: free a uniformly random ``rate`` share of the integer columns, fix the rest."""
    data = ctx.data
    free = rng.choice(data.integer_indices, size=free_count(data, rate), replace=False)
    return fix_all_but("random", rate, data, x, free)


def crossover(
    ctx: OperatorContext, x: np.ndarray, rate: float, rng: np.random.Generator
) -> Neighbourhood:
    """Fix integer columns on which ``x`` and another pooled solution agree.

    Falls back to a random neighbourhood (named ``crossover``) until the pool holds a second solution.
    """
    data = ctx.data
    ints = data.integer_indices
    others = [y for y in ctx.pool if not np.array_equal(y[ints], x[ints])]
    if not others:
        nb = random_neighbourhood(ctx, x, rate, rng)
        return Neighbourhood("crossover", rate, fixed=nb.fixed, fixed_values=nb.fixed_values)
    partner = others[int(rng.integers(len(others)))]
    agree = ints[np.abs(x[ints] - partner[ints]) < 0.5]
    return fix_some_of("crossover", rate, data, x, agree, rng)
