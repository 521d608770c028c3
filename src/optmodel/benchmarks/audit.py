"""Audit mode: re-solve models against dataset answers, list the disagreements, and for each one try the
usual alternative readings (:mod:`optmodel.benchmarks.readings`) to see which reproduces the reference.

The models come from a folder of golden Formulations (``<problem id>.json``, with a ``manifest.json``) or
from a benchmark run directory (the chosen Formulation of every answer scored wrong).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from optmodel.benchmarks.datasets.loader import load_dataset
from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.readings import VariantOutcome, solve_and_score, try_readings
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.benchmarks.scoring import DEFAULT_RULE
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.load import load_formulation


@dataclass(frozen=True)
class AuditFinding:
    """One model re-solved; ``agrees`` is None when it could not be compared."""

    problem_id: str
    dataset: str
    expected: float | None
    expected_status: str
    solved: float | None
    status: str
    agrees: bool | None
    note: str = ""
    method: str = ""
    """The benchmark method whose answer this is ('' for a golden model)."""
    readings: tuple[VariantOutcome, ...] = ()
    """The alternative readings tried on a disagreement, each re-solved."""

    @property
    def reproducing(self) -> tuple[VariantOutcome, ...]:
        """The alternative readings whose optimum matches the reference."""
        return tuple(r for r in self.readings if r.agrees)


def draft_corrections(findings: list[AuditFinding]) -> list[dict[str, object]]:
    """Label-correction entries to review, one per disagreement that an alternative reading reproduces.

    Each is written as ``ambiguous`` with both readings (the model's and the one that gives the reference);
    a reviewer who finds the text rules that reading out changes it to ``label-wrong`` with ``corrected``.
    """
    entries: list[dict[str, object]] = []
    for f in findings:
        if not f.reproducing or f.solved is None or f.expected is None:
            continue
        names = ", ".join(r.name for r in f.reproducing)
        entries.append(
            {
                "id": f.problem_id,
                "verdict": "ambiguous",
                "readings": [
                    {"reading": "as the model reads the text", "value": f.solved},
                    {"reading": f"{f.reproducing[0].name} (the reference)", "value": f.expected},
                ],
                "evidence": f"DRAFT, review against the text: bench audit re-solved the model "
                f"({f.status} {f.solved:g}); with {names} it gives the reference {f.expected:g}",
            }
        )
    return entries


def audit(
    golden_dir: Path,
    data_dir: Path | None = None,
    time_limit: float = 30.0,
    try_alternatives: bool = True,
) -> list[AuditFinding]:
    """Solve every ``<problem id>.json`` Formulation in ``golden_dir`` and compare with the dataset's answer.

    A disagreement means either our golden model or the dataset's label is wrong: each one is worth a look,
    and the findings say which problems to look at and which reading reproduces the label.
    """
    files = sorted(p for p in golden_dir.glob("*.json") if p.name != "manifest.json")
    manifest_path = golden_dir / "manifest.json"
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    )
    datasets: dict[str, dict[str, Problem]] = {}
    findings = []
    for file in files:
        problem_id = file.stem
        dataset = manifest.get(problem_id, {}).get("dataset") or problem_id.rsplit("-", 1)[0]
        if dataset not in datasets:
            datasets[dataset] = {p.id: p for p in load_dataset(dataset, data_dir)}
        problem = datasets[dataset].get(problem_id)
        if problem is None:
            findings.append(
                AuditFinding(
                    problem_id,
                    dataset,
                    None,
                    "unknown",
                    None,
                    "not-in-dataset",
                    None,
                    "no such problem id",
                )
            )
            continue
        note = manifest.get(problem_id, {}).get("note", "")
        findings.append(
            audit_model(load_formulation(file), problem, time_limit, try_alternatives, note=note)
        )
    return findings


def audit_run(
    run_dir: Path, time_limit: float = 30.0, try_alternatives: bool = True
) -> list[AuditFinding]:
    """Re-solve the chosen model of every answer a benchmark run scored wrong, and try its readings."""
    run = RunDirectory(run_dir)
    findings = []
    for raw in run.records():
        record = ResultRecord.model_validate(raw)
        if record.correct.get(DEFAULT_RULE) is not False:
            continue
        path = run.attempts_path(record.dataset, record.method, record.problem_id)
        document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        model = document.get("formulation")
        answer = record.expected if record.expected_status == "optimal" else None
        problem = Problem(record.problem_id, record.dataset, "", answer, record.expected_status)
        if model is None:
            findings.append(
                AuditFinding(
                    record.problem_id,
                    record.dataset,
                    answer,
                    record.expected_status,
                    None,
                    "no-model",
                    None,
                    record.error or "no model was produced",
                    record.method,
                )
            )
            continue
        formulation = Formulation.model_validate(model)
        findings.append(
            audit_model(formulation, problem, time_limit, try_alternatives, method=record.method)
        )
    return findings


def audit_model(
    formulation: Formulation,
    problem: Problem,
    time_limit: float = 30.0,
    try_alternatives: bool = True,
    *,
    note: str = "",
    method: str = "",
) -> AuditFinding:
    """Solve one model, compare it with the reference, and on a disagreement try the usual readings."""
    solved = solve_and_score(formulation, problem, time_limit)
    readings = (
        try_readings(formulation, problem, time_limit)
        if try_alternatives and solved.agrees is False
        else ()
    )
    return AuditFinding(
        problem.id,
        problem.dataset,
        expected=problem.answer,
        expected_status=problem.answer_status,
        solved=solved.objective,
        status=solved.status,
        agrees=solved.agrees,
        note=solved.error or note,
        method=method,
        readings=readings,
    )
