"""Several objectives: lexicographic goals (each held within tolerance) and weighted sums of named parts."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.render import render_latex, render_text

#: Staff a week: cover each day's need; first the fewest staff, then the fewest weekend starts.
ROTA: dict[str, Any] = {
    "sets": {"D": {"range": [0, 6]}, "K": {"range": [0, 4]}, "WEEKEND": [5, 6]},
    "parameters": {"need": {"index": ["D"], "values": [3, 3, 3, 3, 3, 2, 2]}},
    "variables": {"start": {"index": ["D"], "type": "integer", "ub": 10}},
    "expressions": {
        "staff": {"expression": "sum(start[d] for d in D)"},
        "weekend_starts": {"expression": "sum(start[d] for d in WEEKEND)"},
    },
    "objective": {
        "sense": "min",
        "expression": "staff",
        "then": [{"name": "weekend", "sense": "min", "expression": "weekend_starts"}],
    },
    "constraints": {
        "cover": {"forall": "d in D", "expression": "sum(start[(d - k) % 7] for k in K) >= need[d]"}
    },
}


def brute_force() -> tuple[int, int]:
    """(fewest staff, then fewest weekend starts) over start counts 0..3 per day."""
    best: tuple[int, int] | None = None
    need = ROTA["parameters"]["need"]["values"]
    for starts in itertools.product(range(4), repeat=7):
        if all(sum(starts[(d - k) % 7] for k in range(5)) >= need[d] for d in range(7)):
            score = (sum(starts), starts[5] + starts[6])
            best = score if best is None else min(best, score)
    assert best is not None
    return best


def test_lexicographic_goals_reach_the_brute_force_optimum_and_report_each_value() -> None:
    staff, weekend = brute_force()
    formulation = Formulation.model_validate(ROTA)
    assert errors_only(validate(formulation)) == []
    run = run_formulation(formulation)
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None
    assert run.result.objective == pytest.approx(staff)
    assert run.result.objectives == pytest.approx({"objective": staff, "weekend": weekend})
    assert run.result.expressions["weekend_starts"] == pytest.approx(weekend)
    assert run.result.to_dict()["objectives"] == {"objective": staff, "weekend": weekend}


def test_a_weighted_objective_is_one_expression_over_named_parts() -> None:
    document = {**ROTA, "objective": {"sense": "min", "expression": "10 * staff + weekend_starts"}}
    staff, weekend = brute_force()
    run = run_formulation(Formulation.model_validate(document))
    assert run.result is not None
    assert run.result.objective == pytest.approx(10 * staff + weekend)
    assert run.result.expressions["staff"] == pytest.approx(staff)


def test_a_goal_that_is_a_relation_or_names_nothing_known_is_an_issue() -> None:
    document = {
        **ROTA,
        "objective": {
            **ROTA["objective"],
            "then": [
                {"name": "bad", "sense": "min", "expression": "weekend_starts <= 3"},
                {"name": "typo", "sense": "max", "expression": "weekend_strts"},
            ],
        },
    }
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("objective.then[0].expression", IssueCode.TYPE_MISMATCH),
        ("objective.then[1].expression", IssueCode.UNKNOWN_NAME),
    ]


def test_goals_are_rendered_in_order() -> None:
    formulation = Formulation.model_validate(ROTA)
    assert "minimize staff\n  then minimize weekend_starts (weekend)" in render_text(formulation)
    assert r"\text{then } \min" in render_latex(formulation)
