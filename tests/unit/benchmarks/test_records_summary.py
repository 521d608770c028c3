"""Result records (one JSON line each) and the summary tables built from them."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from optmodel.benchmarks.datasets import Problem
from optmodel.benchmarks.records import FailureCategory, ResultRecord
from optmodel.benchmarks.scoring import Prediction, PredictionStatus, wilson_interval
from optmodel.benchmarks.summary import Summary, summarize
from optmodel.errors import OptmodelError

PROBLEM = Problem(
    id="logior-0001",
    dataset="logior",
    question="Assign parcels to trucks.",
    answer=537.0,
    type="NLP",
    has_table=True,
)


def test_record_from_prediction_scores_every_rule_and_round_trips_as_json() -> None:
    record = ResultRecord.from_prediction(
        PROBLEM,
        "baseline",
        Prediction(PredictionStatus.OPTIMAL, 537.03),
        valid_model=True,
        llm_calls=2,
        tokens_in=1200,
        tokens_out=300,
        attempts=1,
        llm_s=3.5,
        compile_s=0.1,
        solve_s=0.2,
        total_s=3.9,
    )
    # |0.03| <= 1e-4 * 537 = 0.0537 (strict) but not < 0.01 (ORThought)
    assert record.correct["strict"] is True and record.correct["abs0.01"] is False
    assert (record.expected, record.expected_status, record.problem_type, record.has_table) == (
        537.0,
        "optimal",
        "NLP",
        True,
    )
    assert record.failure is FailureCategory.NONE
    line = record.to_json_line()
    assert "\n" not in line and json.loads(line)["correct"]["strict"] is True
    assert ResultRecord.from_json_line(line) == record


@pytest.mark.parametrize(
    ("prediction", "failure"),
    [
        (Prediction(PredictionStatus.OPTIMAL, 500.0), FailureCategory.WRONG_OBJECTIVE),
        (Prediction(PredictionStatus.INFEASIBLE), FailureCategory.INFEASIBLE),
        (Prediction(PredictionStatus.NO_SOLUTION), FailureCategory.INFEASIBLE),
        (Prediction(PredictionStatus.UNBOUNDED), FailureCategory.UNBOUNDED),
        (Prediction(PredictionStatus.FEASIBLE, 537.0), FailureCategory.NONE),
    ],
)
def test_failure_category_follows_the_prediction(
    prediction: Prediction, failure: FailureCategory
) -> None:
    assert ResultRecord.from_prediction(PROBLEM, "m", prediction).failure is failure


def test_an_error_prediction_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="explicit failure category"):
        ResultRecord.from_prediction(PROBLEM, "m", Prediction(PredictionStatus.ERROR))
    record = ResultRecord.from_prediction(
        PROBLEM, "m", Prediction(PredictionStatus.ERROR), failure=FailureCategory.COMPILE_ERROR
    )
    assert record.failure is FailureCategory.COMPILE_ERROR and record.correct["strict"] is False


@pytest.mark.parametrize(
    "line",
    [
        '{"problem_id": "p", "dataset": "d", "method": "m", "tokens_in": -1}',
        '{"problem_id": "p", "dataset": "d", "method": "m", "objective": NaN}',
        '{"problem_id": "p", "dataset": "d", "method": "m", "failure": "exploded"}',
        '{"problem_id": "p", "dataset": "d", "method": "m", "colour": "red"}',
        '{"problem_id": "", "dataset": "d", "method": "m"}',
        "not json",
    ],
)
def test_invalid_record_lines_are_rejected(line: str) -> None:
    with pytest.raises(OptmodelError, match="not a valid result record"):
        ResultRecord.from_json_line(line)


def _record(problem_id: str, method: str = "m", **fields: Any) -> ResultRecord:
    return ResultRecord(problem_id=problem_id, dataset="d1", method=method, **fields)


def _records() -> list[ResultRecord]:
    ok: dict[str, bool | None] = {"strict": True, "abs0.1": True}
    return [
        # an earlier line for p2, superseded by the resumed run's line below
        _record("p2", correct=ok, valid_model=True),
        _record(
            "p1",
            correct=ok,
            valid_model=True,
            llm_calls=2,
            tokens_in=100,
            tokens_out=50,
            attempts=1,
            llm_s=0.5,
            total_s=1.0,
            problem_type="LP",
        ),
        _record(
            "p2",
            correct={"strict": False, "abs0.1": True},
            valid_model=True,
            llm_calls=4,
            tokens_in=300,
            tokens_out=100,
            attempts=2,
            llm_s=2.0,
            total_s=3.0,
            problem_type="MILP",
            has_table=True,
            failure=FailureCategory.WRONG_OBJECTIVE,
        ),
        _record(
            "p3",
            correct={"strict": False, "abs0.1": False},
            valid_model=False,
            llm_calls=1,
            tokens_in=50,
            attempts=1,
            llm_s=1.0,
            total_s=2.0,
            problem_type="LP",
            failure=FailureCategory.NO_MODEL,
        ),
        _record(
            "p4",
            correct={"strict": None, "abs0.1": None},
            expected_status="unknown",
            valid_model=True,
            llm_calls=2,
            tokens_in=100,
            tokens_out=50,
            attempts=1,
            llm_s=1.0,
            total_s=2.0,
            problem_type="LP",
        ),
        _record("p5", failure=FailureCategory.PENDING, problem_type="LP"),
        _record("p1", method="other", correct=ok, valid_model=True, problem_type="LP"),
    ]


def test_summarize_hand_computed_group() -> None:
    summary = summarize(_records())

    assert summary.default_rule == "strict" and summary.rules == ["strict", "abs0.1"]
    assert summary.duplicates_dropped == 1
    assert [(g.dataset, g.method) for g in summary.groups] == [("d1", "m"), ("d1", "other")]
    group = summary.group("d1", "m")
    assert (group.n, group.pending, group.completed, group.unscored) == (5, 1, 4, 1)
    strict = group.accuracy["strict"]
    assert (strict.correct, strict.scored, strict.accuracy) == (1, 3, pytest.approx(1 / 3))
    assert (strict.ci_low, strict.ci_high) == wilson_interval(1, 3)
    assert (group.accuracy["abs0.1"].correct, group.accuracy["abs0.1"].scored) == (2, 3)
    assert (group.valid_models, group.execution_rate) == (3, 0.75)
    # completed problems: calls [2, 4, 1, 2], tokens in+out [150, 400, 50, 150], total_s [1, 3, 2, 2]
    assert (group.llm_calls.mean, group.llm_calls.median) == (2.25, 2.0)
    assert (group.tokens_total.mean, group.tokens_total.median) == (187.5, 150.0)
    assert (group.tokens_in.mean, group.tokens_out.mean) == (137.5, 50.0)
    assert (group.time_s["total_s"].mean, group.time_s["llm_s"].median) == (2.0, 1.0)
    assert group.attempts.mean == 1.25
    lp, milp = group.by_kind["LP"], group.by_kind["MILP"]
    assert (lp.n, lp.scored["strict"], lp.correct["strict"], lp.accuracy["strict"]) == (
        3,
        2,
        1,
        0.5,
    )
    assert (milp.n, milp.accuracy["strict"], milp.accuracy["abs0.1"]) == (1, 0.0, 1.0)
    assert group.by_table["table"].n == 1 and group.by_table["no_table"].accuracy["strict"] == 0.5
    assert group.failures == {"none": 2, "no_model": 1, "wrong_objective": 1, "pending": 1}


def test_summary_is_plain_json() -> None:
    summary = summarize(_records())
    text = json.dumps(summary.to_dict())
    assert Summary.model_validate(json.loads(text)) == summary


def test_a_group_without_scored_problems_has_no_accuracy() -> None:
    summary = summarize([_record("p", failure=FailureCategory.PENDING)])
    group = summary.groups[0]
    assert group.execution_rate is None and group.llm_calls.mean is None
    assert summary.rules == [] and group.accuracy == {}
    unknown = summarize([_record("p", correct={"strict": None}, expected_status="unknown")])
    strict = unknown.groups[0].accuracy["strict"]
    assert (strict.scored, strict.accuracy, strict.ci_low) == (0, None, None)
    assert not math.isnan(unknown.groups[0].execution_rate or 0.0)


def test_self_consistency_groups_count_unanimous_top_clusters() -> None:
    def sc(problem: str, agreeing: int, samples: int = 3) -> ResultRecord:
        return ResultRecord(
            problem_id=problem,
            dataset="d",
            method=f"sc-{samples}" if samples > 1 else "repair",
            sample_count=samples,
            correct={"strict": True},
            status="optimal",  # type: ignore[arg-type]
            objective=1.0,
            expected=1.0,
            extra={"agreement": [agreeing, samples]},
        )

    summary = summarize([sc("a", 3), sc("b", 2), sc("c", 1), sc("a", 1, samples=1)])
    assert summary.group("d", "sc-3").unanimous == 1
    assert summary.group("d", "repair").unanimous is None
