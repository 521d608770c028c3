"""Every scoring rule on hand-checked edge cases (values worked out by hand in the comments)."""

from __future__ import annotations

import math

import pytest

from optmodel.benchmarks.datasets import AnswerStatus, Problem
from optmodel.benchmarks.scoring import (
    DEFAULT_RULE,
    RULES,
    Prediction,
    PredictionStatus,
    score,
)

OPT = PredictionStatus.OPTIMAL


def _problem(
    answer: float | None, status: AnswerStatus = "optimal", raw: str | None = None
) -> Problem:
    extra = {"answer_raw": raw} if raw is not None else {}
    return Problem(
        id="p", dataset="d", question="q", answer=answer, answer_status=status, raw=extra
    )


def _verdicts(predicted: float, answer: float, raw: str | None = None) -> dict[str, bool | None]:
    return score(Prediction(OPT, predicted), _problem(answer, raw=raw))


def test_rule_names_and_default() -> None:
    assert list(RULES) == ["strict", "abs0.1", "abs0.01", "rounded5", "mamo", "sirl"]
    assert DEFAULT_RULE == "strict"


@pytest.mark.parametrize(
    ("predicted", "answer", "expected"),
    [
        # zero answer: tolerance 1e-4 * max(1, 0) = 1e-4
        (
            0.0,
            0.0,
            {
                "strict": True,
                "abs0.1": True,
                "abs0.01": True,
                "rounded5": True,
                "mamo": True,
                "sirl": True,
            },
        ),
        # |1.5e-4| > 1e-4 strict; sirl 1.5e-4/1 > 1e-6; mamo d=2: 1.5e-4*100 < 1 -> True
        (
            1.5e-4,
            0.0,
            {
                "strict": False,
                "abs0.1": True,
                "abs0.01": True,
                "rounded5": True,
                "mamo": True,
                "sirl": False,
            },
        ),
        # negative answer -150: strict tolerance 0.015; |diff| = 0.012; mamo relative 8e-5
        (
            -150.012,
            -150.0,
            {
                "strict": True,
                "abs0.1": True,
                "abs0.01": False,
                "rounded5": True,
                "mamo": True,
                "sirl": False,
            },
        ),
        # |diff| = 0.02 > 0.015; mamo: 0.02*100 = 2 >= 1 and rel 1.3e-4 > 1e-4
        (
            -150.02,
            -150.0,
            {
                "strict": False,
                "abs0.1": True,
                "abs0.01": False,
                "rounded5": True,
                "mamo": False,
                "sirl": False,
            },
        ),
        # no min/max flipping: the sign is part of the answer
        (
            150.0,
            -150.0,
            {
                "strict": False,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": False,
                "mamo": False,
                "sirl": False,
            },
        ),
        # huge 1e9: strict tolerance 1e5 (inclusive); sirl tolerance ~1000; rounded 5%
        (
            1e9 + 1e5,
            1e9,
            {
                "strict": True,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": True,
                "mamo": True,
                "sirl": False,
            },
        ),
        (
            1e9 + 999,
            1e9,
            {
                "strict": True,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": True,
                "mamo": True,
                "sirl": True,
            },
        ),
        (
            1e9 + 2e5,
            1e9,
            {
                "strict": False,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": True,
                "mamo": False,
                "sirl": False,
            },
        ),
        (
            1e9 * 1.06,
            1e9,
            {
                "strict": False,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": False,
                "mamo": False,
                "sirl": False,
            },
        ),
        # rounded 5% inclusive: |105 - 100| / 100 = 0.05
        (
            105.0,
            100.0,
            {
                "strict": False,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": True,
                "mamo": False,
                "sirl": False,
            },
        ),
        (
            106.0,
            100.0,
            {
                "strict": False,
                "abs0.1": False,
                "abs0.01": False,
                "rounded5": False,
                "mamo": False,
                "sirl": False,
            },
        ),
    ],
)
def test_numeric_edge_cases(predicted: float, answer: float, expected: dict[str, bool]) -> None:
    assert _verdicts(predicted, answer) == expected


def test_tiny_nonlinear_answer_0_024() -> None:
    # OptiBench-style 0.0240 m^3: absolute and rounded rules cannot tell 0.024 from 0.03.
    assert _verdicts(0.02405, 0.024, raw="0.0240") == {
        "strict": True,  # 5e-5 <= 1e-4
        "abs0.1": True,
        "abs0.01": True,
        "rounded5": True,
        "mamo": True,  # d = 4: |240.5 - 240| < 1
        "sirl": False,  # 5e-5 / 1.024 > 1e-6
    }
    assert _verdicts(0.03, 0.024, raw="0.0240") == {
        "strict": False,
        "abs0.1": True,
        "abs0.01": True,  # 0.006 < 0.01
        "rounded5": True,  # round(0.03) == round(0.024) == 0
        "mamo": False,  # |300 - 240| >= 1, relative 0.25
        "sirl": False,
    }
    assert _verdicts(0.4, 0.024)["rounded5"] is True  # both round to 0
    assert _verdicts(0.6, 0.024)["rounded5"] is False  # round(0.6) == 1


def test_mamo_digit_rule_reads_the_answer_string() -> None:
    # "10000": d = max(2, 0) = 2, so |diff| < 0.01 -- or relative error <= 1e-4 (here 5e-5).
    assert _verdicts(10000.005, 10000.0, raw="10000")["mamo"] is True
    assert _verdicts(10000.5, 10000.0, raw="10000")["mamo"] is True
    assert _verdicts(10002.0, 10000.0, raw="10000")["mamo"] is False
    # "10755.00": d = 2, |0.004| * 100 < 1; "0.00125": d = 5, 0.000012 * 1e5 = 1.2 is not < 1 (d = 2 would pass).
    assert _verdicts(10755.004, 10755.0, raw="10755.00")["mamo"] is True
    assert _verdicts(0.001262, 0.00125, raw="0.00125")["mamo"] is False
    # MAMO's code at answer 0: relative error becomes |diff| * 1e-4, so |diff| <= 1 passes.
    assert _verdicts(0.5, 0.0, raw="0")["mamo"] is True
    assert _verdicts(1.5, 0.0, raw="0")["mamo"] is False


def test_rounded_rule_uses_pythons_round_half_to_even() -> None:
    assert _verdicts(2.4, 2.5)["rounded5"] is True  # round(2.5) == 2 == round(2.4)
    assert _verdicts(-95.0, -100.0)["rounded5"] is True  # |5| / |-100| = 0.05


@pytest.mark.parametrize(
    ("status", "correct"),
    [
        (PredictionStatus.INFEASIBLE, True),
        (PredictionStatus.UNBOUNDED, True),  # sources label "infeasible or unbounded" as one
        (PredictionStatus.NO_SOLUTION, True),
        (PredictionStatus.OPTIMAL, False),
        (PredictionStatus.FEASIBLE, False),
        (PredictionStatus.ERROR, False),
    ],
)
def test_infeasible_ground_truth_is_matched_by_status(
    status: PredictionStatus, correct: bool
) -> None:
    verdicts = score(Prediction(status, 0.0), _problem(None, "infeasible", raw="No Best Solution"))
    assert set(verdicts.values()) == {correct}


def test_unknown_ground_truth_is_not_scored() -> None:
    for prediction in (Prediction(OPT, 5.0), Prediction(PredictionStatus.ERROR)):
        assert set(score(prediction, _problem(None, "unknown")).values()) == {None}


@pytest.mark.parametrize(
    "prediction",
    [
        Prediction(PredictionStatus.ERROR),
        Prediction(PredictionStatus.INFEASIBLE),
        Prediction(PredictionStatus.UNBOUNDED),
        Prediction(OPT, None),
        Prediction(OPT, math.nan),
        Prediction(OPT, math.inf),
    ],
)
def test_no_usable_value_is_wrong_when_an_optimum_exists(prediction: Prediction) -> None:
    assert set(score(prediction, _problem(0.0)).values()) == {False}


def test_a_feasible_value_equal_to_the_optimum_counts() -> None:
    verdicts = score(Prediction(PredictionStatus.FEASIBLE, 42.0), _problem(42.0))
    assert set(verdicts.values()) == {True}


def test_status_strings_are_accepted() -> None:
    assert Prediction("optimal", 1.0).status is OPT  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Prediction("solved", 1.0)  # type: ignore[arg-type]
