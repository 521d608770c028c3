"""Answer files decide results: conflicting duplicates and damaged lines stop the run with file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optmodel.errors import LLMError
from optmodel.llm.providers.batch import BatchFileProvider
from optmodel.llm.providers.recorded import RecordedProvider, recording_key
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.types import CompletionRequest


def ask(text: str) -> CompletionRequest:
    return CompletionRequest.from_prompt(text, max_tokens=32, request_id=text)


def output_line(custom_id: str, text: str, **body_fields: Any) -> str:
    body = {
        "id": f"chatcmpl-{text}",  # differs between runs even for the same answer
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        **body_fields,
    }
    return json.dumps(
        {"custom_id": custom_id, "response": {"status_code": 200, "body": body}, "error": None}
    )


def recorded_line(key: str, text: str, **response_fields: Any) -> str:
    return json.dumps({"key": key, "response": {"text": text, **response_fields}})


def test_two_different_batch_answers_for_one_id_name_both_files_and_lines(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    cid = provider.custom_id(ask("q"))
    (tmp_path / "responses-0001.jsonl").write_text(
        output_line("other", "x") + "\n" + output_line(cid, "3") + "\n"
    )
    (tmp_path / "retry.jsonl").write_text(output_line(cid, "10") + "\n")
    with pytest.raises(LLMError) as caught:
        provider.complete([ask("q")])
    message = str(caught.value)
    assert "responses-0001.jsonl:2" in message and "retry.jsonl:1" in message


def test_identical_batch_duplicates_pass_and_a_success_beats_a_failure(tmp_path: Path) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    cid = provider.custom_id(ask("q"))
    failed = json.dumps({"custom_id": cid, "response": None, "error": {"message": "oom"}})
    (tmp_path / "errors-0001.jsonl").write_text(failed + "\n")
    (tmp_path / "responses-0001.jsonl").write_text(output_line(cid, "10") + "\n")
    (tmp_path / "copy.jsonl").write_text(output_line(cid, "10") + "\n")
    [answer] = provider.complete([ask("q")])
    assert answer.ok and answer.text == "10"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\xff\xfe not utf-8\n", "not UTF-8"),
        (b"[1, 2]\n", "expected a JSON object"),
        (b'{"custom_id": "ID", "response": [1], "error": null}\n', "neither"),
        (
            b'{"custom_id": "ID", "response": {"status_code": 200, "body": [1]}}\n',
            "expected a JSON",
        ),
        (
            b'{"custom_id": "ID", "response": {"status_code": 200, "body": {"choices": [{"message":'
            b' {"content": "x"}}], "usage": {"prompt_tokens": "abc"}}}}\n',
            "prompt_tokens is 'abc'",
        ),
        (b'{"response": {"status_code": 200}}\n', "custom_id"),
    ],
)
def test_every_malformed_batch_line_is_an_error_naming_file_and_line(
    tmp_path: Path, line: bytes, reason: str
) -> None:
    provider = BatchFileProvider(tmp_path, model="m")
    cid = provider.custom_id(ask("q"))
    good = output_line(cid, "fine").encode() + b"\n"
    (tmp_path / "responses-0001.jsonl").write_bytes(good + line.replace(b"ID", cid.encode()))
    with pytest.raises(LLMError, match=r"responses-0001\.jsonl:2") as caught:
        provider.complete([ask("q")])
    assert reason in str(caught.value)


def test_two_different_recorded_answers_for_one_key_name_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    key = recording_key(ask("q"))
    path.write_text(recorded_line(key, "10") + "\n" + recorded_line(key, "3") + "\n")
    with pytest.raises(LLMError, match=r"r\.jsonl:1 and .*r\.jsonl:2"):
        RecordedProvider(path).complete([ask("q")])


def test_identical_recorded_duplicates_pass(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    key = recording_key(ask("q"))
    path.write_text((recorded_line(key, "10") + "\n") * 2)
    [answer] = RecordedProvider(path).complete([ask("q")])
    assert answer.text == "10"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\xc3\x28\n", "not UTF-8"),
        (b'{"key": "k", "response": {"text": "t", "usage": {"prompt_tokens": "abc"}}}\n', "'abc'"),
        (b'{"key": "k", "response": ["t"]}\n', "'response' is not an object"),
        (b'{"key": "k", "response": {"text": 3}}\n', "'text' string"),
        (b'{"key": "k", "response": {"text": "t", "usage": [1]}}\n', "'usage' is a list"),
        (b'["k", "t"]\n', "expected a JSON object"),
        (b'{"key": "k", "resp\n', "not a recorded-response line"),
    ],
)
def test_every_malformed_recorded_line_is_an_error_naming_file_and_line(
    tmp_path: Path, line: bytes, reason: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(recorded_line("other", "fine").encode() + b"\n" + line)
    with pytest.raises(LLMError, match=r"r\.jsonl:2") as caught:
        RecordedProvider(path).complete([ask("q")])
    assert reason in str(caught.value)


def test_a_second_recorder_keeps_the_answer_recorded_first(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    first = RecordedProvider(path, record_from=ScriptedProvider(rules=lambda r: "10"))

    def slow_model(request: CompletionRequest) -> str:
        first.complete([request])  # another process records this request while we wait for ours
        return "3"

    second = RecordedProvider(path, record_from=ScriptedProvider(rules=slow_model))
    assert second.complete([ask("q")])[0].text == "10"
    assert len(path.read_text().splitlines()) == 1
    assert RecordedProvider(path).complete([ask("q")])[0].text == "10"
