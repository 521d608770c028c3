"""The benchmark harness end to end on real dataset files: scripted LLM (right on some problems, wrong on
others), the offline batch provider over several rounds, and a real killed run that resumes without loss."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from optmodel.benchmarks.report import load_records, write_reports
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.benchmarks.summary import summarize
from optmodel.llm.providers.scripted import ScriptedProvider

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "datasets"
GOLDEN = ROOT / "tests" / "data" / "golden"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets")


def golden_answers() -> dict[str, str]:
    """Question text -> a reply carrying our golden model of it (a 'right' LLM answer)."""
    from optmodel.benchmarks.datasets.loader import load_dataset

    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    replies = {}
    for dataset in ("nl4opt", "logior"):
        for problem in load_dataset(dataset, DATA):
            entry = manifest.get(problem.id)
            if entry and entry.get("status") == "ok":
                replies[problem.question.strip()] = (
                    "```json\n" + (GOLDEN / f"{problem.id}.json").read_text() + "\n```"
                )
    return replies


WRONG = (
    "```json\n"
    + json.dumps(
        {"variables": {"x": {"ub": 1}}, "objective": {"sense": "maximize", "expression": "x"}}
    )
    + "\n```"
)


VERIFY_MARK = "Its solution, in the problem's own terms"
OK_VERDICT = '```json\n{"verdict": "ok"}\n```'


def scripted(replies: dict[str, str]) -> ScriptedProvider:
    def answer(request: Any) -> str:
        text = request.messages[-1].content if request.messages[-1].role == "user" else ""
        if VERIFY_MARK in text:
            return OK_VERDICT
        for question, reply in replies.items():
            if question in text:
                return reply
        return WRONG

    return ScriptedProvider(rules=answer)


def chosen_ids(replies: dict[str, str], count: int) -> tuple[str, ...]:
    from optmodel.benchmarks.datasets.loader import load_dataset

    problems = load_dataset("nl4opt", DATA)
    right = [p.id for p in problems if p.question.strip() in replies][: count // 2]
    wrong = [p.id for p in problems if p.question.strip() not in replies][: count - len(right)]
    return tuple(right + wrong)


def test_end_to_end_scores_right_and_wrong_answers(tmp_path: Path) -> None:
    replies = golden_answers()
    ids = chosen_ids(replies, 6)
    config = BenchConfig(
        datasets=("nl4opt",),
        llm="scripted",
        methods=("standard", "repair"),
        out=tmp_path / "run",
        ids=ids,
        data_dir=DATA,
        executor="thread",
        workers=2,
    )
    run = run_benchmark(config, scripted(replies))
    summary = write_reports(run)
    expected_right = len(ids) // 2  # chosen_ids puts the problems with a golden model first
    for method in ("standard", "repair"):
        group = summary.group("nl4opt", method)
        assert group.n == len(ids)
        assert group.accuracy["strict"].correct == expected_right
        assert group.execution_rate == 1.0
    assert (run.path / "report.md").read_text().count("nl4opt") >= 2
    assert (run.path / "plots" / "accuracy.png").stat().st_size > 1000
    failed = [r for r in load_records(run) if r.correct["strict"] is False]
    assert failed and all(r.failure.value == "wrong_objective" for r in failed)
    assert all(run.attempts_path("nl4opt", r.method, r.problem_id).exists() for r in failed)


def test_without_matplotlib_the_report_is_written_and_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = golden_answers()
    config = BenchConfig(
        datasets=("nl4opt",),
        llm="scripted",
        methods=("standard",),
        out=tmp_path / "run",
        ids=chosen_ids(replies, 2),
        data_dir=DATA,
        executor="thread",
        workers=1,
    )
    run = run_benchmark(config, scripted(replies))
    monkeypatch.setitem(
        sys.modules, "matplotlib", None
    )  # as on a machine without the [plots] extra

    summary = write_reports(run)

    assert summary.group("nl4opt", "standard").n == 2
    report = (run.path / "report.md").read_text()
    assert "nl4opt" in report and "pip install 'optmodel[plots]'" in report
    assert not (run.path / "plots").exists()


def test_batch_provider_round_trip_over_several_rounds(tmp_path: Path) -> None:

    replies = golden_answers()
    ids = chosen_ids(replies, 2)
    batch_dir = tmp_path / "batch"
    config = BenchConfig(
        datasets=("nl4opt",),
        llm=f"batch:{batch_dir}",
        methods=("repair",),
        out=tmp_path / "run",
        ids=ids,
        data_dir=DATA,
        executor="thread",
        max_attempts=2,
    )
    first_try = scripted(replies)

    def answer(request: Any) -> str:
        # The problem without a golden model first gets a reply with no model in it, so it needs a repair round.
        text = first_try.complete([request])[0].text
        if text == WRONG and "Your model was checked" not in request.messages[-1].content:
            return "I would model this with two variables."
        return text

    rounds = _run_in_rounds(config, batch_dir, ScriptedProvider(rules=answer), max_rounds=5)
    records = load_records(RunDirectory(tmp_path / "run"))
    # round 1: first tries; round 2: the verification of the one that solved, and the other's repair
    assert len(records) == len(ids) and rounds == 2
    assert sum(1 for r in records if r.correct["strict"]) == 1
    assert sorted(r.attempts for r in records) == [2, 2]
    assert sorted(r.extra["verdict"] for r in records) == ["", "ok"]


def _one_right_problem_in_batch(
    tmp_path: Path, replies: dict[str, str], methods: tuple[str, ...]
) -> tuple[BenchConfig, Path]:
    """A batch-provider run of ``methods`` on one problem that has a golden (right) model."""
    batch_dir = tmp_path / "batch"
    config = BenchConfig(
        datasets=("nl4opt",),
        llm=f"batch:{batch_dir}",
        methods=methods,
        out=tmp_path / "run",
        ids=chosen_ids(replies, 2)[:1],
        data_dir=DATA,
        executor="thread",
    )
    return config, batch_dir


def _run_in_rounds(
    config: BenchConfig,
    batch_dir: Path,
    answerer: ScriptedProvider,
    max_rounds: int,
    library: str | None = None,
) -> int:
    """Run the benchmark, answering each round of request files, until it finishes; the rounds it took.

    With ``library`` (a shipped library's name) the library methods retrieve from it."""
    from optmodel.errors import PendingBatchError
    from optmodel.experience_library import InsightStore, load_shipped_library
    from optmodel.library_bridge import LibraryInsightSource
    from optmodel.llm.config import make_provider

    rounds = 0
    while True:
        provider = make_provider(f"batch:{batch_dir}")
        insights_for = None
        if library is not None:
            store = InsightStore(":memory:")
            load_shipped_library(store, library)  # type: ignore[arg-type]
            source = LibraryInsightSource(store, provider)

            def insights_for(method: object, source: LibraryInsightSource = source) -> Any:
                return source

        try:
            run_benchmark(config, provider, resume=rounds > 0, insights_for=insights_for)
            return rounds
        except PendingBatchError:
            rounds += 1
            assert rounds <= max_rounds
            _answer_batch_files(batch_dir, answerer)


def test_methods_share_batch_rounds(tmp_path: Path) -> None:
    """Each method's requests join the same round: standard's one call goes with the library's
    applicability check, so the run takes two rounds, where one method after the other took three."""

    replies = golden_answers()
    config, batch_dir = _one_right_problem_in_batch(
        tmp_path, replies, ("standard", "library-starter")
    )
    first_try = scripted(replies)

    def answer(request: Any) -> str:
        if "Candidate insights:" in request.messages[-1].content:
            return "[]"
        return first_try.complete([request])[0].text

    rounds = _run_in_rounds(
        config, batch_dir, ScriptedProvider(rules=answer), max_rounds=5, library="starter"
    )
    records = {r.method: r for r in load_records(RunDirectory(tmp_path / "run"))}
    # round 1: standard's call and the library's applicability check (two files); round 2: the
    # library's verification (no insight applied, so its first try is standard's, already answered)
    assert rounds == 2
    assert records["standard"].correct["strict"] is True
    assert records["library-starter"].correct["strict"] is True
    assert len(list(batch_dir.glob("requests-*.jsonl"))) == 3


def _answer_batch_files(batch_dir: Path, answerer: ScriptedProvider) -> None:
    """Play the offline batch runner: answer every request file that has no output file yet."""
    from optmodel.llm.types import ChatMessage, CompletionRequest

    for request_file in sorted(batch_dir.glob("requests-*.jsonl")):
        output = request_file.with_name(request_file.name.replace("requests-", "responses-"))
        if output.exists():
            continue
        lines = []
        for line in request_file.read_text().splitlines():
            item = json.loads(line)
            messages = tuple(ChatMessage(m["role"], m["content"]) for m in item["body"]["messages"])
            text = answerer.complete([CompletionRequest(messages=messages)])[0].text
            lines.append(
                json.dumps(
                    {
                        "id": f"batch-{item['custom_id']}",
                        "custom_id": item["custom_id"],
                        "error": None,
                        "response": {
                            "status_code": 200,
                            "body": {
                                "choices": [
                                    {
                                        "index": 0,
                                        "message": {"role": "assistant", "content": text},
                                        "finish_reason": "stop",
                                    }
                                ],
                                "usage": {
                                    "prompt_tokens": 10,
                                    "completion_tokens": 5,
                                    "total_tokens": 15,
                                },
                            },
                        },
                    }
                )
            )
        output.write_text("\n".join(lines) + "\n")


SCRIPT = """
import json, sys, time
from pathlib import Path
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.llm.providers.scripted import ScriptedProvider
reply = sys.argv[3]
def slow(request):
    time.sleep(float(sys.argv[4]))
    return reply
config = BenchConfig(datasets=("nl4opt",), llm="scripted", methods=("standard",), out=Path(sys.argv[1]),
                     limit=int(sys.argv[2]), data_dir=Path(sys.argv[5]), executor="thread", chunk_size=1)
run_benchmark(config, ScriptedProvider(rules=slow), resume=Path(sys.argv[1], "config.json").exists())
"""


def test_killed_run_resumes_without_loss_or_duplication(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    script = tmp_path / "bench.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    limit = 12
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(limit), WRONG, "0.15", str(DATA)], env=env
    )
    results = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(results.read_text().splitlines())
    assert 4 <= done_before < limit
    subprocess.run(
        [sys.executable, str(script), str(out), str(limit), WRONG, "0", str(DATA)],
        env=env,
        check=True,
    )
    resumed = load_records(RunDirectory(out))
    assert sorted(r.problem_id for r in resumed) == sorted({r.problem_id for r in resumed})
    assert len(resumed) == limit

    fresh = tmp_path / "fresh"
    subprocess.run(
        [sys.executable, str(script), str(fresh), str(limit), WRONG, "0", str(DATA)],
        env=env,
        check=True,
    )
    strip = lambda s: {k: v for k, v in s.to_dict().items()}  # noqa: E731
    a = strip(summarize(resumed))
    b = strip(summarize(load_records(RunDirectory(fresh))))
    for group_a, group_b in zip(a["groups"], b["groups"], strict=True):  # type: ignore[arg-type]
        group_a.pop("time_s"), group_b.pop("time_s")
        assert group_a == group_b


def test_audit_lists_exactly_the_known_label_errors() -> None:
    from optmodel.benchmarks.audit import audit

    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    known = {pid for pid, entry in manifest.items() if entry.get("status") == "label-error"}
    findings = audit(GOLDEN, DATA)
    assert len(findings) == len(manifest)
    assert {f.problem_id for f in findings if f.agrees is not True} == known


def test_verify_method_corrects_a_wrong_reading_over_batch_rounds(tmp_path: Path) -> None:
    """standard keeps a wrong first model; verify shows its plan, gets a correction, verifies it: 3 rounds."""

    replies = golden_answers()
    config, batch_dir = _one_right_problem_in_batch(tmp_path, replies, ("standard", "verify"))
    ids = config.ids

    def answer(request: Any) -> str:
        last = request.messages[-1].content
        if VERIFY_MARK not in last:
            return WRONG  # every first try misreads the problem
        if '"verdict"' in request.messages[-2].content:  # the plan of the corrected model
            return OK_VERDICT
        asked = "\n".join(m.content for m in request.messages if m.role == "user")
        golden = next(reply for question, reply in replies.items() if question in asked)
        verdict = {
            "verdict": "wrong",
            "discrepancies": ["x <= 1 is not in the text"],
            "formulation": json.loads(golden.removeprefix("```json").removesuffix("```")),
        }
        return "```json\n" + json.dumps(verdict) + "\n```"

    rounds = _run_in_rounds(config, batch_dir, ScriptedProvider(rules=answer), max_rounds=6)
    records = {r.method: r for r in load_records(RunDirectory(tmp_path / "run"))}
    # standard's round; verify's first try is the same request (answered from the batch files), then the
    # verification with its correction, then the verification of the correction
    assert rounds == 3
    assert records["standard"].correct["strict"] is False
    assert records["verify"].correct["strict"] is True
    assert records["verify"].attempts == 3 and records["verify"].extra["verdict"] == "ok"
    log = json.loads(
        RunDirectory(tmp_path / "run").attempts_path("nl4opt", "verify", ids[0]).read_text()
    )
    assert [a["verdict"] for a in log["attempts"]] == ["", "wrong", "ok"]
