"""Audited labels: a correction file scores records a second time, beside the raw score, with its evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optmodel.benchmarks.labels import AUDITED_RULE, audited, load_corrections
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.report import write_reports
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.errors import OptmodelError

CORRECTIONS = """
- id: route-1
  verdict: label-wrong
  corrected: 63.6
  evidence: "routing optimum 63.60 proven; the reference 78.78 is one feasible plan"
- id: trucks-2
  verdict: ambiguous
  readings:
    - {reading: "cost per truck-km (the reference)", value: 364}
    - {reading: "cost per container-km", value: 728}
  evidence: "the first reading reproduces the reference"
- id: plan-3
  verdict: label-wrong
  corrected_status: infeasible
  evidence: "the text's demands exceed every capacity"
"""


def record(
    problem: str, status: str, objective: float | None, expected: float, strict: bool
) -> ResultRecord:
    return ResultRecord(
        problem_id=problem,
        dataset="audit",
        method="verify",
        correct={"strict": strict},
        status=status,  # type: ignore[arg-type]
        objective=objective,
        expected=expected,
        valid_model=True,
    )


RECORDS = [
    record("route-1", "optimal", 63.6, 78.78, False),  # right answer, wrong label
    record("trucks-2", "optimal", 728.0, 364.0, False),  # the other accepted reading
    record("plan-3", "infeasible", None, 10.0, False),  # the corrected status
    record("other-4", "feasible", 5.0, 5.0, True),  # no correction: audited = strict
    record("other-5", "optimal", 1.0, 2.0, False),
]


@pytest.fixture
def corrections_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit-labels.yaml"
    path.write_text(CORRECTIONS)
    return path


def test_corrections_rescore_only_the_audited_problems(corrections_file: Path) -> None:
    scored = audited(RECORDS, load_corrections([corrections_file]))
    assert [r.correct[AUDITED_RULE] for r in scored] == [True, True, True, True, False]
    assert [r.correct["strict"] for r in scored] == [r.correct["strict"] for r in RECORDS]


def test_a_wrong_answer_stays_wrong_under_a_correction(corrections_file: Path) -> None:
    wrong = record("route-1", "optimal", 78.78, 78.78, True)
    assert audited([wrong], load_corrections([corrections_file]))[0].correct[AUDITED_RULE] is False


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "a", "verdict": "label-wrong", "corrected": 1.0}, "evidence"),
        ({"id": "a", "verdict": "ambiguous", "evidence": "x"}, "accepted readings"),
        ({"id": "a", "verdict": "label-wrong", "evidence": "x"}, "needs a value"),
        ({"id": "a", "verdict": "typo", "corrected": 1, "evidence": "x"}, "verdict"),
    ],
)
def test_incomplete_corrections_are_refused(tmp_path: Path, entry: dict, message: str) -> None:  # type: ignore[type-arg]
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([entry]))
    with pytest.raises(OptmodelError, match=message):
        load_corrections([path])


def test_a_problem_corrected_twice_is_refused(corrections_file: Path) -> None:
    with pytest.raises(OptmodelError, match="corrected twice"):
        load_corrections([corrections_file, corrections_file])


def test_report_shows_raw_and_audited_side_by_side_and_names_unproven_answers(
    tmp_path: Path, corrections_file: Path
) -> None:
    run = RunDirectory(tmp_path / "run")
    run.create({"config": {"seed": 0}})
    for item in RECORDS:
        run.append(json.loads(item.model_dump_json()))
    summary = write_reports(run, plots=False, corrections=load_corrections([corrections_file]))
    group = summary.group("audit", "verify")
    assert (group.accuracy["strict"].correct, group.accuracy[AUDITED_RULE].correct) == (1, 4)
    assert group.not_proven == 1
    report = (run.path / "report.md").read_text()
    assert "| strict (95% CI) | audited (95% CI) |" in report
    assert "- other-4 · verify · 5.000000 (feasible, not proven) · scored correct" in report
    raw = write_reports(run, plots=False)  # without the file: the raw score alone
    assert AUDITED_RULE not in raw.rules
