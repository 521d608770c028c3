"""Piecewise-linear functions through Pyomo's Piecewise: concave costs solved exactly, checked, rendered."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.render import render_text
from optmodel.modeling.solution_check import check_solution

#: Buy 250 units from two suppliers with volume discounts (concave costs: cheaper per unit past 100, 200).
SUPPLY: dict[str, Any] = {
    "sets": {"I": ["a", "b"]},
    "parameters": {"need": 250, "price": {"index": ["I"], "values": [5, 6]}},
    "variables": {"buy": {"index": ["I"], "ub": 300}},
    "piecewise": {
        "cost": {
            "index": "i in I",
            "of": "buy[i]",
            "points": [0, 100, 200, 300],
            "values": [0, "price[i] * 100", "price[i] * 180", "price[i] * 250"],
        }
    },
    "objective": {"sense": "min", "expression": "sum(cost[i] for i in I)"},
    "constraints": {"enough": {"expression": "sum(buy[i] for i in I) >= need"}},
}


def cost(price: float, units: float) -> float:
    points, values = [0, 100, 200, 300], [0, price * 100, price * 180, price * 250]
    for k in range(3):
        if units <= points[k + 1]:
            share = (units - points[k]) / (points[k + 1] - points[k])
            return values[k] + share * (values[k + 1] - values[k])
    raise AssertionError(units)


def test_concave_volume_discounts_are_solved_exactly() -> None:
    # A concave cost makes splitting the order pay less than buying from one supplier; the grid finds it.
    best = min(cost(5, a) + cost(6, 250 - a) for a in range(0, 251))
    formulation = Formulation.model_validate(SUPPLY)
    assert errors_only(validate(formulation)) == []
    run = run_formulation(formulation)
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective == pytest.approx(best)


def test_the_checker_interpolates_the_same_breakpoints() -> None:
    report = check_solution(Formulation.model_validate(SUPPLY), {"buy": {"a": 150, "b": 100}})
    assert report.feasible
    assert report.objective_value == pytest.approx(cost(5, 150) + cost(6, 100))


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"points": [0, 200, 100, 300]}, "piecewise.cost", IssueCode.MISSING_DATA),
        ({"values": [0, 1]}, "piecewise.cost", IssueCode.MISSING_DATA),
        ({"of": "bye[i]"}, "piecewise.cost.of", IssueCode.UNKNOWN_NAME),
    ],
)
def test_malformed_piecewise_is_one_issue(
    change: dict[str, Any], path: str, code: IssueCode
) -> None:
    document = copy.deepcopy(SUPPLY)
    document["piecewise"]["cost"].update(change)
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [(path, code)]


def test_piecewise_is_rendered_with_its_breakpoints() -> None:
    text = render_text(Formulation.model_validate(SUPPLY))
    assert "cost[i] = piecewise of buy[i] through (0 → 0), (100 → price[i] * 100)" in text
