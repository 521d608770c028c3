"""Audit mode: re-solve golden Formulations against dataset answers and list suspected label errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from optmodel.benchmarks.datasets.loader import load_dataset
from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.scoring import DEFAULT_RULE, Prediction, PredictionStatus, score
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.load import load_formulation
from optmodel.solvers.base import SolveOptions


@dataclass(frozen=True)
class AuditFinding:
    """One golden model re-solved; ``agrees`` is None when it could not be compared."""

    problem_id: str
    dataset: str
    expected: float | None
    expected_status: str
    solved: float | None
    status: str
    agrees: bool | None
    note: str = ""


def audit(
    golden_dir: Path, data_dir: Path | None = None, time_limit: float = 30.0
) -> list[AuditFinding]:
    """Solve every ``<problem id>.json`` Formulation in ``golden_dir`` and compare with the dataset's answer.

    A disagreement means either our golden model or the dataset's label is wrong: each one is worth a look,
    and the findings say which problems to look at.
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
        run = run_formulation(load_formulation(file), options=SolveOptions(time_limit=time_limit))
        result = run.result if run.stage is Stage.DONE else None
        verdict = None
        if result is not None:
            prediction = Prediction(PredictionStatus(result.status.value), result.objective)
            verdict = score(prediction, problem).get(DEFAULT_RULE)
        findings.append(
            AuditFinding(
                problem_id,
                dataset,
                expected=problem.answer,
                expected_status=problem.answer_status,
                solved=result.objective if result else None,
                status=result.status.value if result else run.stage.value,
                agrees=verdict,
                note=manifest.get(problem_id, {}).get("note", "") if result else run.error,
            )
        )
    return findings
