"""The HiGHS sub-MIP solver: honours the neighbourhood, only returns improvements, restores the model."""

from __future__ import annotations

import numpy as np
import pytest

from optmodel.solvers.alns.highs_model import lp_relaxation
from optmodel.solvers.alns.highs_submip import HighsSubMip
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.operators import DESTROY_OPERATORS, OperatorContext
from optmodel.solvers.alns.state import MipState


def _model_arrays(solver: HighsSubMip) -> tuple[np.ndarray, ...]:
    lp = solver.highs.getLp()
    return (
        np.array(lp.col_lower_),
        np.array(lp.col_upper_),
        np.array(lp.col_cost_),
        np.array(lp.row_lower_),
        np.array(lp.row_upper_),
        np.array([int(lp.sense_ == lp.sense_.kMaximize)]),
    )


def _worst_feasible(data: MipData) -> MipState:
    """A poor but feasible start: every integer column at its upper bound (all open / all chosen)."""
    solver = HighsSubMip(data)
    x = np.where(data.integer, data.col_upper, 0.0)
    nb = DESTROY_OPERATORS["random"](OperatorContext(data), x, 0.0001, np.random.default_rng(0))
    # fix all integers at the upper bound, let HiGHS fill in continuous columns
    outcome = solver.solve(nb, MipState(x, np.inf), 10.0, None)
    assert outcome.x is not None
    return MipState.from_solution(data, outcome.x)


@pytest.mark.parametrize("data_name", ["setcover_data", "facility_data"])
@pytest.mark.parametrize(
    "operator",
    [
        "random",
        "rins",
        "rens",
        "dins",
        "local_branching",
        "proximity",
        "crossover",
        "constraint_block",
    ],
)
def test_sub_mip_result_is_feasible_improving_and_model_is_restored(
    request: pytest.FixtureRequest, data_name: str, operator: str
) -> None:
    data: MipData = request.getfixturevalue(data_name)
    solver = HighsSubMip(data)
    before = _model_arrays(solver)
    current = _worst_feasible(data)
    assert data.is_feasible(current.x)
    ctx = OperatorContext(data, lp_solution=lp_relaxation(data, 10.0))
    ctx.remember(current.x)
    nb = DESTROY_OPERATORS[operator](ctx, current.x, 0.5, np.random.default_rng(1))
    outcome = solver.solve(nb, current, 10.0, None)
    after = _model_arrays(solver)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert solver.highs.getNumRow() == data.n_rows + 1  # the (free) cutoff row only
    if outcome.x is not None:
        found = MipState.from_solution(data, outcome.x)
        assert data.is_feasible(found.x)
        assert found.min_objective <= current.min_objective + 1e-9
        assert np.array_equal(found.x[nb.fixed], nb.fixed_values)
        assert np.all(found.x[nb.narrowed] >= nb.narrowed_lower)
        assert np.all(found.x[nb.narrowed] <= nb.narrowed_upper)
        if nb.local_branching is not None:
            flips = np.abs(found.x[data.binary_indices] - current.x[data.binary_indices]).sum()
            assert flips <= nb.local_branching


def test_cutoff_without_a_start_returns_only_strict_improvements(facility_data: MipData) -> None:
    solver = HighsSubMip(facility_data)
    optimum = solver.initial_solve(30.0, np.inf, lambda x: None)
    assert optimum.proven_optimal and optimum.x is not None
    best = MipState.from_solution(facility_data, optimum.x)
    # Flip one facility: the optimum is outside this neighbourhood, so no MIP start is possible and
    # only the cutoff row keeps worse solutions out; nothing beats the optimum.
    j = int(facility_data.integer_indices[0])
    flipped = Neighbourhood(
        "flip", 1.0, fixed=np.array([j]), fixed_values=np.array([1.0 - best.x[j]])
    )
    assert not flipped.contains(best.x)
    outcome = solver.solve(flipped, best, 10.0, None)
    assert outcome.x is None and outcome.status == "infeasible" and outcome.exhausted
    proximity = Neighbourhood("proximity", 1.0, proximity=True)
    outcome = solver.solve(proximity, best, 10.0, None)
    assert outcome.x is None
    # the model is back to normal: the full solve finds the optimum again
    again = solver.initial_solve(30.0, np.inf, lambda x: None)
    assert again.x is not None
    assert MipState.from_solution(facility_data, again.x).min_objective == pytest.approx(
        best.min_objective
    )
