"""Batch files: export in the OpenAI Batch format, import outputs (errors too), several rounds."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from optmodel.errors import LLMError, PendingBatchError
from optmodel.llm.providers.batch import BatchFileProvider
from optmodel.llm.types import CompletionRequest


def ask(text: str, **options: Any) -> CompletionRequest:
    return CompletionRequest.from_prompt(text, max_tokens=32, request_id=text, **options)


def run_offline(request_file: Path, answer: dict[str, Any]) -> Path:
    """Play `vllm run-batch`: one output line per input line, in its exact output format."""
    lines = []
    for number, raw in enumerate(request_file.read_text().splitlines()):
        item = json.loads(raw)
        assert item["method"] == "POST" and item["url"] == "/v1/chat/completions"
        question = item["body"]["messages"][-1]["content"]
        reply = answer.get(question, "?")
        if isinstance(reply, Exception):
            line = {
                "id": f"b-{number}",
                "custom_id": item["custom_id"],
                "response": None,
                "error": {"code": "server_error", "message": str(reply)},
            }
        else:
            body = {
                "id": "chatcmpl-x",
                "object": "chat.completion",
                "model": item["body"]["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
            }
            line = {
                "id": f"b-{number}",
                "custom_id": item["custom_id"],
                "response": {"status_code": 200, "request_id": f"req-{number}", "body": body},
                "error": None,
            }
        lines.append(json.dumps(line))
    output = request_file.with_name(request_file.name.replace("requests-", "responses-"))
    output.write_text("\n".join(lines) + "\n")
    return output


def test_export_writes_openai_batch_lines_and_says_what_to_run(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="Qwen/Qwen2.5-7B-Instruct")
    schema = {"type": "object"}
    with pytest.raises(PendingBatchError) as caught:
        provider.complete([ask("a", json_schema=schema, seed=3), ask("b")])
    request_file = tmp_path / "requests-0001.jsonl"
    message = str(caught.value)
    assert (
        f"vllm run-batch -i {request_file} -o {tmp_path / 'responses-0001.jsonl'} "
        "--model Qwen/Qwen2.5-7B-Instruct" in message
    )
    assert "OpenAI Batch API" in message and "run the same command again" in message
    lines = [json.loads(line) for line in request_file.read_text().splitlines()]
    assert [set(line) for line in lines] == [{"custom_id", "method", "url", "body"}] * 2
    first = lines[0]["body"]
    assert first["model"] == "Qwen/Qwen2.5-7B-Instruct" and first["seed"] == 3
    assert first["messages"] == [{"role": "user", "content": "a"}] and first["max_tokens"] == 32
    assert first["response_format"]["json_schema"]["schema"] == schema
    assert len({line["custom_id"] for line in lines}) == 2


def test_round_trip_answers_in_caller_order(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    requests = [ask("one"), ask("two"), ask("three")]
    with pytest.raises(PendingBatchError):
        provider.complete(requests)
    run_offline(tmp_path / "requests-0001.jsonl", {"one": "1", "two": "2", "three": "3"})
    responses = BatchFileProvider(tmp_path, model="m").complete(list(reversed(requests)))
    assert [r.text for r in responses] == ["3", "2", "1"]
    assert [r.request_id for r in responses] == ["three", "two", "one"]
    assert responses[0].usage.completion_tokens == 2 and responses[0].provider == "batch"


def test_error_lines_become_error_responses(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    with pytest.raises(PendingBatchError):
        provider.complete([ask("fine"), ask("broken")])
    run_offline(
        tmp_path / "requests-0001.jsonl", {"fine": "ok", "broken": RuntimeError("CUDA died")}
    )
    fine, broken = provider.complete([ask("fine"), ask("broken")])
    assert fine.ok and fine.text == "ok"
    assert not broken.ok and "CUDA died" in (broken.error or "")


def test_http_error_status_lines_are_errors(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    line = {
        "id": "b",
        "custom_id": provider.custom_id(ask("q")),
        "error": None,
        "response": {"status_code": 400, "body": {"error": {"message": "context too long"}}},
    }
    (tmp_path / "output.jsonl").write_text(json.dumps(line) + "\n")
    [response] = provider.complete([ask("q")])
    assert "HTTP 400" in (response.error or "") and "context too long" in (response.error or "")


def test_several_rounds_export_only_what_is_missing(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    with pytest.raises(PendingBatchError):
        provider.complete([ask("q1"), ask("q2")])
    # Running again before the batch ran exports nothing new and points at the same file.
    with pytest.raises(PendingBatchError, match="requests-0001"):
        provider.complete([ask("q1"), ask("q2")])
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == ["requests-0001.jsonl"]
    run_offline(tmp_path / "requests-0001.jsonl", {"q1": "a1", "q2": "a2"})
    # A repair loop asks a new question next to answered ones: round 2 holds only the new one.
    with pytest.raises(PendingBatchError, match="requests-0002") as caught:
        provider.complete([ask("q1"), ask("q3")])
    assert "requests-0001" not in str(caught.value)
    round_two = (tmp_path / "requests-0002.jsonl").read_text().splitlines()
    assert [json.loads(line)["body"]["messages"][0]["content"] for line in round_two] == ["q3"]
    run_offline(tmp_path / "requests-0002.jsonl", {"q3": "a3"})
    assert [r.text for r in provider.complete([ask("q1"), ask("q3"), ask("q2")])] == [
        "a1",
        "a3",
        "a2",
    ]


def test_a_second_caller_in_the_same_round_is_told_every_unrun_file(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    with pytest.raises(PendingBatchError):
        provider.complete([ask("q1")])
    # Another caller (a second benchmark method) asks before the round ran: its request goes into a
    # file of its own, and the message names both files and counts both requests.
    with pytest.raises(PendingBatchError, match="2 LLM request") as caught:
        provider.complete([ask("q2"), ask("q1")])
    assert "requests-0001" in str(caught.value) and "requests-0002" in str(caught.value)
    round_two = (tmp_path / "requests-0002.jsonl").read_text().splitlines()
    assert [json.loads(line)["body"]["messages"][0]["content"] for line in round_two] == ["q2"]


def test_unanswered_requests_of_a_round_that_ran_go_into_a_new_round(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    with pytest.raises(PendingBatchError):
        provider.complete([ask("q1"), ask("q2")])
    output = run_offline(tmp_path / "requests-0001.jsonl", {"q1": "a1", "q2": "a2"})
    output.write_text(output.read_text().splitlines()[0] + "\n")  # the run lost q2's line
    with pytest.raises(PendingBatchError, match="1 LLM request"):
        provider.complete([ask("q1"), ask("q2")])
    assert len((tmp_path / "requests-0002.jsonl").read_text().splitlines()) == 1


def test_a_corrupt_output_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "responses-0001.jsonl").write_text(
        '{"custom_id": "x", "response": null, "error": {"message": "oom"}}\n{"trunc'
    )
    with pytest.raises(LLMError, match=r"responses-0001.jsonl:2"):
        BatchFileProvider(tmp_path, model="m").complete([ask("q")])


def test_without_a_model_the_message_asks_for_a_served_model_name(tmp_path: Path) -> None:
    with pytest.raises(PendingBatchError, match="--served-model-name optmodel-batch"):
        BatchFileProvider(tmp_path).complete([ask("q")])


def test_parallel_callers_lose_no_request(tmp_path: Path) -> None:
    # Threads of one bench run share the directory; each export must land in its own round.
    questions = [f"q{n}" for n in range(8)]
    barrier = threading.Barrier(len(questions))

    def ask_one(question: str) -> None:
        provider = BatchFileProvider(tmp_path, model="m")
        barrier.wait()
        with pytest.raises(PendingBatchError):
            provider.complete([ask(question)])

    threads = [threading.Thread(target=ask_one, args=(q,)) for q in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exported = [
        json.loads(line)["body"]["messages"][0]["content"]
        for path in tmp_path.glob("requests-*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(exported) == questions
