"""The solution report: bounded tables for large families, violated rows named, scalars inline."""

from __future__ import annotations

from optmodel.model_solver import run_formulation
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.solution_report import MAX_ROWS, solution_report


def test_large_families_are_summarised_not_listed_in_full() -> None:
    n = 3 * MAX_ROWS
    model = Formulation.model_validate(
        {
            "sets": {"I": {"range": [1, n]}},
            "variables": {"x": {"index": ["I"], "ub": 1, "description": "share taken"}},
            "objective": {"sense": "maximize", "expression": "sum(x[i] for i in I)"},
            "constraints": {
                "half": {"forall": "i in I", "expression": "x[i] <= 0.5", "where": "i <= 30"}
            },
        }
    )
    run = run_formulation(model)
    assert run.result is not None
    text = solution_report(model, run.result.solution, run.result.objective)
    assert f"- x (share taken): {n} of {n} entries non-zero" in text
    assert f"... and {n - MAX_ROWS} more entries of x" in text
    assert "- half: 30 of 30 rows binding" in text
    assert "1: binding at 0.5" in text
    assert len(text.splitlines()) < 30


def test_a_violated_row_and_a_zero_plan_are_stated() -> None:
    model = Formulation.model_validate(
        {
            "variables": {"x": {}},
            "objective": {"sense": "minimize", "expression": "x"},
            "constraints": {"floor": {"expression": "x >= 2"}},
        }
    )
    text = solution_report(model, {"x": 0.0}, 0.0)
    assert "- (none: every decision is 0)" in text
    assert "- floor: VIOLATED (lhs 0, rhs 2)" in text
