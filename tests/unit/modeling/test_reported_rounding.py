"""``objective.round``: a text that asks for the answer rounded gets it rounded, and the model stays exact."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.runner import prediction_of
from optmodel.benchmarks.scoring import score
from optmodel.llm.formulation_result import FormulationResult
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling import Formulation
from optmodel.modeling.render import render_text
from optmodel.modeling.solution_report import solution_report


def _landing(round_to: int | None) -> Formulation:
    """Maximise x with 3 x <= 50: the exact optimum is 16.666..., which a text may ask rounded."""
    objective: dict[str, Any] = {"sense": "maximize", "expression": "x"}
    if round_to is not None:
        objective["round"] = round_to
    return Formulation.model_validate(
        {
            "variables": {"x": {}},
            "objective": objective,
            "constraints": {"c": {"expression": "3 * x <= 50"}},
        }
    )


@pytest.mark.parametrize("matrix", [True, False], ids=["matrix", "pyomo"])
def test_the_optimum_is_reported_rounded_and_kept_exact(matrix: bool) -> None:
    run = run_formulation(_landing(0), solver="highs", matrix=matrix)
    assert run.stage is Stage.DONE and run.result is not None
    assert run.build_path == ("matrix" if matrix else "pyomo")
    assert run.result.objective == pytest.approx(50 / 3)
    assert run.result.reported_objective == 17.0
    assert run.result.answer_value == 17.0
    payload = run.result.to_dict()
    assert payload["reported_objective"] == 17 and payload["objective"] == pytest.approx(50 / 3)


def test_without_round_nothing_is_rounded() -> None:
    run = run_formulation(_landing(None))
    assert run.result is not None and run.result.reported_objective is None
    assert run.result.answer_value == pytest.approx(50 / 3)


@pytest.mark.parametrize(
    ("decimals", "value", "expected"),
    [
        (0, 16.5, 17.0),  # halves away from zero, as people round (Python's round() gives 16)
        (0, -16.5, -17.0),
        (2, 16.665, 16.67),  # the float's own digits, not its binary value 16.66499...
        (-2, 1250.0, 1300.0),
        (-2, 1249.99, 1200.0),
        (9, 1e300, 1e300),  # no precision overflow
    ],
)
def test_rounding_rule(decimals: int, value: float, expected: float) -> None:
    assert _landing(decimals).objective.reported_value(value) == expected


@pytest.mark.parametrize("bad", [True, "0", 0.5, 10, -10])
def test_round_must_be_a_small_whole_number(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"objective\.round"):
        Formulation.model_validate(
            {"variables": {"x": {}}, "objective": {"sense": "max", "expression": "x", "round": bad}}
        )


def test_round_survives_a_round_trip_under_its_own_name() -> None:
    dumped = _landing(0).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["objective"]["round"] == 0
    assert Formulation.model_validate(dumped).objective.round_ == 0


def test_the_rendered_model_says_what_is_rounded() -> None:
    text = render_text(_landing(-2))
    assert "maximize x  (optimum reported rounded to -2 decimal(s))" in text


def test_the_solution_report_shows_both_values() -> None:
    run = run_formulation(_landing(0))
    assert run.result is not None
    text = solution_report(run.formulation, run.result.solution, run.result.objective)
    assert "Objective (maximize; x): 16.6667" in text
    assert "Reported rounded to 0 decimal(s), as the model asks: 17" in text


def test_a_benchmark_scores_the_rounded_answer_the_text_asked_for() -> None:
    problem = Problem(
        id="t-1",
        dataset="t",
        question="... Provide your answer rounded to the nearest integer.",
        answer=17.0,
        answer_status="optimal",
    )
    verdicts = []
    for round_to in (0, None):
        formulation = _landing(round_to)
        run = run_formulation(formulation)
        outcome = FormulationResult("t-1", formulation, run.result, (), "solved")
        prediction, failure = prediction_of(outcome)
        assert failure is None
        verdicts.append(score(prediction, problem)["strict"])
    assert verdicts == [True, False]
