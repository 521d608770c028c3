"""``optmodel library learn`` and ``refine`` driven by request files, round by round, as a batch model runs.

The formulator, the solver, the library and the files are real; the only stand-in is the model answering
the request files: it writes continuous truck counts unless an insight tells it to use integers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from library_doubles import insight_json, insights_answer
from typer.testing import CliRunner, Result

from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.main import app
from optmodel.experience_library import InsightStore, load_shipped_library
from optmodel.experience_library.prompts import (
    APPLICABILITY_HEADER,
    DIAGNOSIS_HEADER,
    MERGE_HEADER,
    REWRITE_HEADER,
)

TRUCKS = "A firm must move 7 tonnes of sand; each truck it hires carries 3 tonnes. Minimize trucks hired."


def _formulation(integer: bool) -> str:
    return json.dumps(
        {
            "variables": {"trucks": {"type": "integer" if integer else "continuous", "lb": 0}},
            "objective": {"sense": "minimize", "expression": "trucks"},
            "constraints": {"carry": {"expression": "3 * trucks >= 7"}},
        }
    )


def _reply(messages: list[dict[str, Any]]) -> str:
    """What the stand-in model answers to one request."""
    last = messages[-1]["content"]
    if last.startswith(APPLICABILITY_HEADER):
        return json.dumps(re.findall(r"^\[([^\]]+)\]", last, flags=re.M))
    if last.startswith(DIAGNOSIS_HEADER):
        if "optimal objective value is 9" in last:
            reason = "7 tonnes need 3 trucks of 3 tonnes, not 9"
            return json.dumps(
                {"insights": [], "audit": {"kind": "answer_doubtful", "reason": reason}}
            )
        return insights_answer(insight_json())
    if last.startswith(MERGE_HEADER):
        return insights_answer(insight_json(title="Counts of vehicles and people are integers"))
    if last.startswith(REWRITE_HEADER):
        return "[]"
    told = any("declare counts integer" in m["content"] for m in messages)
    return _formulation(integer=told)


def _answer_round(batch: Path) -> int:
    """Answer every request file that has no output yet, as `vllm run-batch` would; return the count."""
    answered = 0
    for requests in sorted(batch.glob("requests-*.jsonl")):
        output = requests.with_name(requests.name.replace("requests-", "responses-"))
        if output.exists():
            continue
        lines = []
        for raw in requests.read_text().splitlines():
            item = json.loads(raw)
            body = {
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": _reply(item["body"]["messages"]),
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
            lines.append(
                json.dumps(
                    {
                        "custom_id": item["custom_id"],
                        "response": {"status_code": 200, "body": body},
                        "error": None,
                    }
                )
            )
            answered += 1
        output.write_text("\n".join(lines) + "\n")
    return answered


def _run_until_done(args: list[str], batch: Path, rounds: int = 10) -> tuple[Result, int]:
    for round_number in range(1, rounds + 1):
        result = CliRunner().invoke(app, args)
        if result.exit_code != ExitCode.PENDING:
            return result, round_number
        assert "run this same command again" in result.output
        assert _answer_round(batch) > 0, "exit 7 without a new request file"
    raise AssertionError(f"still pending after {rounds} rounds")


def test_learn_through_request_files_keeps_a_verified_insight_and_logs_each_retrieval_once(
    tmp_path: Path,
) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(
        json.dumps(
            {
                "id": "t-1",
                "dataset": "t",
                "question": TRUCKS,
                "answer": 3.0,
                "answer_status": "optimal",
            }
        )
        + "\n"
    )
    library, batch = tmp_path / "lib.sqlite", tmp_path / "batch"
    args = ["library", "learn", str(data), "--split", "0:1", "--llm", f"batch:{batch}"]
    result, rounds = _run_until_done([*args, "--library", str(library)], batch)

    assert result.exit_code == 0, result.output
    assert rounds >= 3  # formulate -> diagnose -> verify (and merge), each its own round of files
    assert "1 attempted, 0 already right" in result.output
    assert "candidate insight(s) verified" in result.output
    assert re.search(r"cost: \d+ LLM call\(s\), \d+ token\(s\)", result.output)
    with InsightStore(library) as store:
        learned = [i for i in store.insights() if "t-1" in i.provenance.source_problems]
        assert learned and all(i.provenance.model.startswith("batch:") for i in learned)
        # Every round replayed the batch from the same library state: one retrieval logged, not one per round.
        logged = [r for r in store.retrieval_records() if r.problem_id == "t-1"]
        assert len(logged) == 1
        assert store.done_problems(f"{data}:0:1").keys() == {"t-1"}

    # A finished run asks nothing more: the same command again ends at once.
    again = CliRunner().invoke(app, [*args, "--library", str(library)])
    assert again.exit_code == 0 and "0 attempted" in again.output
    assert "flagged for audit" not in again.output


def test_learn_lists_the_problems_its_diagnoses_flagged_for_audit(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    wrong = {
        "id": "t-9",
        "dataset": "t",
        "question": TRUCKS,
        "answer": 9.0,
        "answer_status": "optimal",
    }
    data.write_text(json.dumps(wrong) + "\n")
    library, batch = tmp_path / "lib.sqlite", tmp_path / "batch"
    args = ["library", "learn", str(data), "--split", "0:1", "--llm", f"batch:{batch}"]
    result, _ = _run_until_done([*args, "--library", str(library)], batch)
    assert result.exit_code == 0, result.output
    assert "1 problem(s) flagged for audit" in result.output
    assert "t-9 (answer_doubtful): 7 tonnes need 3 trucks of 3 tonnes, not 9" in result.output
    # Listed from the run's records: a later invocation that attempts nothing still shows it.
    again = CliRunner().invoke(app, [*args, "--library", str(library)])
    assert "0 attempted" in again.output and "t-9 (answer_doubtful)" in again.output


def test_refine_through_request_files_reports_after_its_rounds(tmp_path: Path) -> None:
    library, batch = tmp_path / "lib.sqlite", tmp_path / "batch"
    with InsightStore(library) as store:
        load_shipped_library(store, "starter")
    args = ["library", "refine", "--llm", f"batch:{batch}", "--library", str(library)]
    result, _ = _run_until_done(args, batch)
    assert result.exit_code == 0, result.output
    assert "22 insight(s) considered" in result.output  # the starter library

    only = CliRunner().invoke(app, [*args, "--insight", "starter-fixed-costs"])
    assert only.exit_code == 0 and "1 insight(s) considered" in only.output
