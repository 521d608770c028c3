"""`bench audit` tries the usual alternative readings of a model that disagrees with its reference answer.

Real dataset problems, real models, real HiGHS solves; only the LLM of the benchmark run is scripted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optmodel.benchmarks.audit import audit, audit_run
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.llm.providers.scripted import ScriptedProvider

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "datasets"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets")

# nlp4lp-0073: "How many of each experiment should the scientist conduct to maximize the total amount of
# electricity produced?" Experiments are counted, so the faithful model is integer; the reference
# 1684.615... is the optimum with fractional experiments.
EXPERIMENTS: dict[str, Any] = {
    "assumptions": ["experiments are whole numbers: the text counts them"],
    "variables": {
        "alpha": {"type": "integer", "description": "alpha experiments conducted"},
        "beta": {"type": "integer", "description": "beta experiments conducted"},
    },
    "objective": {
        "sense": "maximize",
        "expression": "8 * alpha + 10 * beta",
        "description": "units of electricity",
    },
    "constraints": {
        "metal": {"expression": "3 * alpha + 5 * beta <= 800", "description": "units of metal"},
        "acid": {"expression": "5 * alpha + 4 * beta <= 750", "description": "units of acid"},
    },
}
REFERENCE = 1684.6153846153848


def test_golden_audit_finds_that_relaxing_integrality_reproduces_a_fractional_reference(
    tmp_path: Path,
) -> None:
    (tmp_path / "nlp4lp-0073.json").write_text(json.dumps(EXPERIMENTS))
    (tmp_path / "manifest.json").write_text(json.dumps({"nlp4lp-0073": {"dataset": "nlp4lp"}}))

    (finding,) = audit(tmp_path, DATA)

    assert finding.agrees is False and finding.expected == pytest.approx(REFERENCE)
    assert finding.solved is not None and finding.solved < REFERENCE - 1  # the integer optimum
    assert [r.name for r in finding.reproducing] == ["integrality relaxed"]
    relaxed = finding.reproducing[0]
    assert relaxed.objective == pytest.approx(REFERENCE) and relaxed.status == "optimal"
    # every other usual reading was tried and does not reproduce the reference
    assert {r.name for r in finding.readings} == {
        "integrality relaxed",
        "'metal' as == (was <=)",
        "'acid' as == (was <=)",
    }


def test_alternatives_are_tried_only_on_a_disagreement(tmp_path: Path) -> None:
    relaxed = json.loads(json.dumps(EXPERIMENTS))
    for var in relaxed["variables"].values():
        var["type"] = "continuous"
    (tmp_path / "nlp4lp-0073.json").write_text(json.dumps(relaxed))
    (finding,) = audit(tmp_path, DATA)
    assert finding.agrees is True and finding.readings == ()


def test_run_audit_tries_readings_on_every_answer_scored_wrong(tmp_path: Path) -> None:
    _run_integer_model(tmp_path / "run")

    (finding,) = audit_run(tmp_path / "run")

    assert finding.method == "standard" and finding.problem_id == "nlp4lp-0073"
    assert finding.agrees is False
    assert [r.name for r in finding.reproducing] == ["integrality relaxed"]


def test_cli_audit_of_a_run_prints_the_reading_and_drafts_a_correction_that_loads(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from optmodel.benchmarks.labels import load_corrections
    from optmodel.cli.main import app

    _run_integer_model(tmp_path / "run")
    draft = tmp_path / "labels.yaml"

    result = CliRunner().invoke(
        app, ["bench", "audit", str(tmp_path / "run"), "--draft", str(draft)]
    )

    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # rich wraps at the console width
    assert "nlp4lp-0073 [standard]: dataset says 1684.6153846153848, model gives 1680" in out
    assert "reproduced by: integrality relaxed (1684.62)" in out
    (entry,) = load_corrections([draft]).values()
    assert entry.id == "nlp4lp-0073" and entry.verdict == "ambiguous"
    assert [r.value for r in entry.accepted()] == pytest.approx([1680.0, REFERENCE])
    assert entry.evidence.startswith("DRAFT")


def _run_integer_model(out: Path) -> None:
    """A one-problem bench run whose (scripted) model keeps the experiments integer: scored wrong."""
    reply = "```json\n" + json.dumps(EXPERIMENTS) + "\n```"
    config = BenchConfig(
        datasets=("nlp4lp",),
        llm="scripted",
        methods=("standard",),
        out=out,
        ids=("nlp4lp-0073",),
        data_dir=DATA,
        executor="thread",
    )
    run_benchmark(config, ScriptedProvider(rules=lambda request: reply))
