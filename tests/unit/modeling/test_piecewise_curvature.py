"""Convex/concave piecewise functions where a bound suffices are compiled as LPs; elsewhere exactly."""

from __future__ import annotations

import copy
from typing import Any

import pyomo.environ as pyo
import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.pyomo.compile import compile_formulation

#: Two plants make 250 units; overtime makes each unit dearer past 100 and 200 (a convex cost).
CONVEX: dict[str, Any] = {
    "sets": {"P": ["a", "b"]},
    "parameters": {"need": 250, "rate": {"index": ["P"], "values": [4, 5]}},
    "variables": {"make": {"index": ["P"], "ub": 300}},
    "piecewise": {
        "cost": {
            "index": "p in P",
            "of": "make[p]",
            "points": [0, 100, 200, 300],
            "values": [0, "rate[p] * 100", "rate[p] * 250", "rate[p] * 500"],
        }
    },
    "objective": {"sense": "min", "expression": "sum(cost[p] for p in P)"},
    "constraints": {"enough": {"expression": "sum(make[p] for p in P) >= need"}},
}

#: The same functions' negatives are concave: maximising a concave revenue is the mirror image.
CONCAVE = copy.deepcopy(CONVEX)
CONCAVE["piecewise"]["cost"]["values"] = [0, "-rate[p] * 100", "-rate[p] * 250", "-rate[p] * 500"]
CONCAVE["objective"] = {"sense": "max", "expression": "sum(cost[p] for p in P)"}


def cost(rate: float, units: float, steps: tuple[float, ...] = (0, 100, 250, 500)) -> float:
    """The function at ``units``, computed here: ``rate * steps`` at 0, 100, 200 and 300 units."""
    points = [0, 100, 200, 300]
    for k in range(3):
        if units <= points[k + 1]:
            share = (units - points[k]) / 100
            return rate * (steps[k] + share * (steps[k + 1] - steps[k]))
    raise AssertionError(units)


def as_equation(document: dict[str, Any]) -> dict[str, Any]:
    """The same model with the objective moved into an equation, where the function must be exact."""
    changed = copy.deepcopy(document)
    changed["variables"]["z"] = {"lb": None}
    changed["constraints"]["define"] = {"expression": f"z == {document['objective']['expression']}"}
    changed["objective"] = {"sense": document["objective"]["sense"], "expression": "z"}
    return changed


def has_integers(document: dict[str, Any]) -> bool:
    model = compile_formulation(Formulation.model_validate(document)).model
    return any(not v.is_continuous() for v in model.component_data_objects(pyo.Var))


def solve(document: dict[str, Any]) -> float:
    run = run_formulation(Formulation.model_validate(document))
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective is not None
    return run.result.objective


@pytest.mark.parametrize(("document", "sign"), [(CONVEX, 1), (CONCAVE, -1)])
def test_a_convex_minimum_or_concave_maximum_is_an_lp_with_the_exact_optimum(
    document: dict[str, Any], sign: int
) -> None:
    best = min(cost(4, a) + cost(5, 250 - a) for a in range(0, 251))
    assert not has_integers(document)
    assert has_integers(as_equation(document))  # the exact form, where the bound would not do
    assert solve(document) == pytest.approx(sign * best)
    assert solve(as_equation(document)) == pytest.approx(sign * best)


def test_a_convex_function_below_a_limit_is_an_lp_and_above_one_stays_exact() -> None:
    # Spread the work so neither plant's cost passes 600; minimise the units left unmade.
    document = copy.deepcopy(CONVEX)
    document["variables"]["short"] = {}
    document["objective"] = {"sense": "min", "expression": "short"}
    document["constraints"] = {
        "enough": {"expression": "sum(make[p] for p in P) + short >= need"},
        "budget": {"forall": "p in P", "expression": "cost[p] <= 600"},
    }
    assert not has_integers(document)
    # Past 100 units the marginal costs are 6 and 7.5: a plant stops at 100 + 200 / 6 and 100 + 100 / 7.5.
    short = 250 - (100 + 200 / 6) - (100 + 100 / 7.5)
    assert solve(document) == pytest.approx(short)
    document["constraints"]["budget"]["expression"] = "cost[p] >= 600"  # a floor: needs the exact f
    assert has_integers(document)


def test_a_concave_cost_that_is_minimised_keeps_the_exact_form() -> None:
    # Volume discounts: each unit is cheaper past 100 and 200 units, so buying from one plant can pay.
    document = copy.deepcopy(CONVEX)
    document["piecewise"]["cost"]["values"] = [0, "rate[p] * 100", "rate[p] * 180", "rate[p] * 250"]
    assert has_integers(document)
    discount = (0, 100, 180, 250)
    best = min(cost(4, a, discount) + cost(5, 250 - a, discount) for a in range(0, 251))
    assert solve(document) == pytest.approx(best)
