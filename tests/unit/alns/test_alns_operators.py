"""Each destroy operator builds the neighbourhood it claims: integer columns only, the right count."""

from __future__ import annotations

import numpy as np
import pytest

from optmodel.solvers.alns.highs_model import lp_relaxation
from optmodel.solvers.alns.highs_submip import HighsSubMip
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.operators import DESTROY_OPERATORS, OperatorContext
from optmodel.solvers.alns.operators.context import free_count
from optmodel.solvers.alns.operators.structured import LOCAL_BRANCHING_SCALE
from optmodel.solvers.alns.state import MipState

FIXING_OPERATORS = ["random", "rins", "rens", "dins", "crossover", "constraint_block"]


def _context(data: MipData) -> tuple[OperatorContext, MipState]:
    """An LP solution, a pool of two distinct solutions and the best of them as current."""
    solver = HighsSubMip(data)
    found: list[np.ndarray] = []
    outcome = solver.initial_solve(10.0, np.inf, found.append)
    assert outcome.x is not None
    ctx = OperatorContext(data, lp_solution=lp_relaxation(data, 10.0))
    for x in found:
        ctx.remember(MipState.from_solution(data, x).x)
    current = MipState.from_solution(data, outcome.x)
    if len(ctx.pool) < 2:  # make a second, different solution: everything open/covered
        ctx.remember(
            MipState.from_solution(data, np.where(data.integer, data.col_upper, current.x)).x
        )
    return ctx, current


@pytest.mark.parametrize("data_name", ["setcover_data", "facility_data"])
@pytest.mark.parametrize("operator", FIXING_OPERATORS)
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_fixing_operators_fix_only_integer_columns_and_exactly_one_minus_rate_of_them(
    request: pytest.FixtureRequest, data_name: str, operator: str, rate: float
) -> None:
    data: MipData = request.getfixturevalue(data_name)
    ctx, current = _context(data)
    nb = DESTROY_OPERATORS[operator](ctx, current.x, rate, np.random.default_rng(3))
    nb.check(data)  # only integer columns, integral values within bounds
    assert data.integer[nb.fixed].all() and data.integer[nb.narrowed].all()
    n_int = len(data.integer_indices)
    assert len(nb.fixed) == n_int - free_count(data, rate)
    assert not np.isin(np.flatnonzero(~data.integer), nb.fixed).any()  # continuous stay free
    if operator != "rens":  # RENS fixes to the rounded LP solution, the others to the current one
        assert np.array_equal(nb.fixed_values, current.x[nb.fixed])


def test_rins_fixes_columns_that_agree_with_the_lp_first(setcover_data: MipData) -> None:
    ctx, current = _context(setcover_data)
    assert ctx.lp_solution is not None
    ints = setcover_data.integer_indices
    agree = ints[np.abs(current.x[ints] - ctx.lp_solution[ints]) <= 1e-6]
    nb = DESTROY_OPERATORS["rins"](ctx, current.x, 0.9, np.random.default_rng(0))
    budget = len(ints) - free_count(setcover_data, 0.9)
    expected_from_agree = min(budget, len(agree))
    assert np.isin(nb.fixed, agree).sum() == expected_from_agree


def test_crossover_fixes_where_the_two_solutions_agree(setcover_data: MipData) -> None:
    ctx, current = _context(setcover_data)
    nb = DESTROY_OPERATORS["crossover"](ctx, current.x, 0.99, np.random.default_rng(0))
    others = [y for y in ctx.pool if not np.array_equal(y, current.x)]
    agreeing = [np.abs(y[nb.fixed] - current.x[nb.fixed]) < 0.5 for y in others]
    assert any(a.all() for a in agreeing)


def test_rens_narrows_fractional_columns_to_floor_and_ceil(facility_data: MipData) -> None:
    ctx, current = _context(facility_data)
    assert ctx.lp_solution is not None
    nb = DESTROY_OPERATORS["rens"](ctx, current.x, 0.9, np.random.default_rng(0))
    lp = ctx.lp_solution[nb.narrowed]
    assert np.array_equal(nb.narrowed_lower, np.maximum(np.floor(lp), 0))
    assert np.array_equal(nb.narrowed_upper, np.minimum(np.ceil(lp), 1))


def test_local_branching_bounds_the_flips_and_fixes_nothing(setcover_data: MipData) -> None:
    ctx, current = _context(setcover_data)
    nb = DESTROY_OPERATORS["local_branching"](ctx, current.x, 0.4, np.random.default_rng(0))
    n_bin = len(setcover_data.binary_indices)
    assert nb.local_branching == max(1, round(0.4 * LOCAL_BRANCHING_SCALE * n_bin))
    assert nb.fixed.size == 0 and not nb.proximity


def test_proximity_fixes_nothing_and_changes_the_objective(setcover_data: MipData) -> None:
    ctx, current = _context(setcover_data)
    nb = DESTROY_OPERATORS["proximity"](ctx, current.x, 0.4, np.random.default_rng(0))
    assert nb.proximity and nb.fixed.size == 0 and nb.local_branching is None


def test_constraint_block_frees_columns_linked_by_rows(setcover_data: MipData) -> None:
    ctx, current = _context(setcover_data)
    nb = DESTROY_OPERATORS["constraint_block"](ctx, current.x, 0.3, np.random.default_rng(5))
    free = np.setdiff1d(setcover_data.integer_indices, nb.fixed)
    col_start, col_rows = setcover_data.columns
    rows_of = [set(col_rows[col_start[j] : col_start[j + 1]].tolist()) for j in free]
    # every freed column shares a row with another freed one (the block is grown through rows)
    linked = [
        any(rows_of[a] & rows_of[b] for b in range(len(free)) if b != a) for a in range(len(free))
    ]
    assert sum(linked) >= len(free) - 1


def test_a_neighbourhood_fixing_a_continuous_column_is_rejected(facility_data: MipData) -> None:
    continuous = np.flatnonzero(~facility_data.integer)[:1]
    nb = Neighbourhood("bad", 0.5, fixed=continuous, fixed_values=np.zeros(1))
    with pytest.raises(ValueError, match="integer"):
        nb.check(facility_data)
