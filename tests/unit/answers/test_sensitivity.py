"""Duals, slacks, reduced costs and ranging from HiGHS, in the Formulation's names, checked by re-solving."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import optmodel
from optmodel.errors import SolverError


def production_mix(wood: float = 400, chair_profit: float = 45) -> dict[str, Any]:
    return {
        "sets": {"P": ["chairs", "tables", "stools"]},
        "parameters": {
            "profit": {
                "index": ["P"],
                "values": {"chairs": chair_profit, "tables": 80, "stools": 10},
            },
            "wood": {"index": ["P"], "values": [5, 20, 4]},
            "labour": {"index": ["P"], "values": [10, 15, 10]},
            "wood_available": wood,
        },
        "variables": {"make": {"index": ["P"]}},
        "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in P)"},
        "constraints": {
            "wood": {"expression": "sum(wood[p] * make[p] for p in P) <= wood_available"},
            # A constant beside the variables: the range is of the written right-hand side, 450 (labour 300..800).
            "labour": {"expression": "sum(labour[p] * make[p] for p in P) + 10 <= 450"},
            "chairs_cap": {"expression": "make['chairs'] <= 100"},
        },
    }


def test_duals_are_the_objective_change_per_unit_of_right_hand_side() -> None:
    base = optmodel.solve(production_mix())
    more_wood = optmodel.solve(production_mix(wood=401))

    assert base.dual("wood") == pytest.approx(more_wood.objective - base.objective)
    assert base.dual("wood") == pytest.approx(1.0)
    assert base.dual("labour") == pytest.approx(4.0)
    assert base.dual("chairs_cap") == pytest.approx(0.0)


def test_slacks_reduced_costs_and_ranges() -> None:
    answer = optmodel.solve(production_mix())

    assert answer.slack("wood") == pytest.approx(0.0)
    assert answer.slack("chairs_cap") == pytest.approx(100 - answer.value("make", "chairs"))
    # Stools earn 10 but use 4 wood and 10 labour, worth 4*1 + 10*4 = 44 at the shadow prices.
    assert answer.reduced_cost("make", "stools") == pytest.approx(10 - 44)
    low, high = answer.sensitivity.cost_ranges["make"]["chairs"]  # type: ignore[index]
    assert (low, high) == pytest.approx((20.0, 160 / 3))
    assert answer.sensitivity.rhs_ranges["labour"] == pytest.approx((310.0, 810.0))
    assert answer.sensitivity.rhs_ranges["chairs_cap"] == pytest.approx(
        (answer.value("make", "chairs"), float("inf"))
    )


def test_cost_ranges_bound_where_the_solution_stays_optimal() -> None:
    base = optmodel.solve(production_mix())
    low, high = base.sensitivity.cost_ranges["make"]["chairs"]  # type: ignore[index]
    outside = optmodel.solve(production_mix(chair_profit=high + 1))

    for profit in (low + 1, high - 1):
        inside = optmodel.solve(production_mix(chair_profit=profit))
        assert inside.values("make").to_dict() == pytest.approx(base.values("make").to_dict())
    assert outside.value("make", "chairs") != pytest.approx(base.value("make", "chairs"))


def test_a_mip_has_no_duals_and_says_why() -> None:
    model = copy.deepcopy(production_mix())
    model["variables"]["make"]["type"] = "integer"
    answer = optmodel.solve(model)

    assert answer.result.sensitivity is None
    with pytest.raises(SolverError, match="LPs solved to optimality"):
        answer.dual("wood")


def test_indexed_duals_as_pandas() -> None:
    answer = optmodel.solve("examples/transportation.yaml")

    duals = answer.duals("meet_demand")
    frame = answer.to_pandas("constraints")

    assert set(duals.index) == {"new_york", "chicago", "topeka"}  # type: ignore[union-attr]
    assert duals["new_york"] == pytest.approx(answer.dual("meet_demand", "new_york"))  # type: ignore[index]
    assert list(frame.columns) == [
        "constraint",
        "index",
        "dual",
        "slack",
        "rhs_range_low",
        "rhs_range_high",
    ]
    assert len(frame) == 5


def test_ranging_is_on_request_for_big_lps(monkeypatch: pytest.MonkeyPatch) -> None:
    from optmodel.solvers import highs
    from optmodel.solvers.base import SolveOptions

    small = optmodel.solve(production_mix())
    assert small.result.sensitivity is not None and small.result.sensitivity.cost_ranges

    monkeypatch.setattr(highs, "RANGING_AUTO_LIMIT", 5)  # production_mix has 3 columns + 3 rows
    big = optmodel.solve(production_mix()).result.sensitivity
    assert big is not None and big.duals == small.result.sensitivity.duals
    assert big.cost_ranges == {} and big.rhs_ranges == {}  # no range rather than an unchecked one
    asked = optmodel.solve(production_mix(), options=SolveOptions(ranging=True)).result.sensitivity
    assert asked is not None and asked.cost_ranges == small.result.sensitivity.cost_ranges
    monkeypatch.undo()
    never = optmodel.solve(production_mix(), options=SolveOptions(ranging=False)).result.sensitivity
    assert never is not None and never.duals and never.rhs_ranges == {}
