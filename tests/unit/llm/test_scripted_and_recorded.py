"""The test double (scripted) and the replay provider (recorded), including recording through a wrapper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optmodel.errors import LLMError
from optmodel.llm.config import make_provider
from optmodel.llm.providers.recorded import RecordedProvider, recording_key
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.types import CompletionRequest


def ask(text: str, **options: object) -> CompletionRequest:
    return CompletionRequest.from_prompt(text, request_id=f"id-{text}", **options)  # type: ignore[arg-type]


def test_queue_first_then_regex_rules_and_every_request_is_recorded() -> None:
    llm = ScriptedProvider(
        rules=[
            (r"^capital of (\w+)", lambda r: r.last_user_message.split()[-1].upper()),
            (r"hello", "hi"),
        ]
    )
    llm.enqueue("queued")
    responses = llm.complete([ask("hello"), ask("capital of france"), ask("hello there")])
    assert [r.text for r in responses] == ["queued", "FRANCE", "hi"]
    assert [r.request_id for r in responses] == [
        "id-hello",
        "id-capital of france",
        "id-hello there",
    ]
    assert [r.last_user_message for r in llm.requests] == [
        "hello",
        "capital of france",
        "hello there",
    ]


def test_callable_rules_and_queued_errors() -> None:
    llm = ScriptedProvider(rules=lambda r: "echo " + r.last_user_message)
    llm.enqueue_error("rate limited")
    failed, answered = llm.complete([ask("a"), ask("b")])
    assert failed.error == "rate limited" and failed.finish_reason == "error"
    assert answered.text == "echo b" and llm.pending == 0


def test_an_unanswerable_request_fails_loudly() -> None:
    with pytest.raises(LLMError, match="no answer for the request id-what"):
        ScriptedProvider().complete([ask("what")])


def test_record_through_a_provider_then_replay_without_it(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    live = ScriptedProvider(rules=lambda r: "live " + r.last_user_message)
    recorder = RecordedProvider(path, record_from=live)
    first = recorder.complete([ask("a"), ask("b", temperature=0.5, sample_index=2)])
    assert [r.text for r in first] == ["live a", "live b"] and len(live.requests) == 2
    replay = make_provider(f"recorded:{path}")
    again = replay.complete([ask("b", temperature=0.5, sample_index=2), ask("a")])
    assert [r.text for r in again] == ["live b", "live a"] and all(r.cached for r in again)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["key"] == recording_key(ask("a")) and lines[0]["messages"] == [["user", "a"]]


def test_replay_misses_are_error_responses_that_say_how_to_record(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    RecordedProvider(path, record_from=ScriptedProvider(rules=lambda r: "x")).complete(
        [ask("known")]
    )
    known, unknown = RecordedProvider(path).complete([ask("known"), ask("new")])
    assert known.ok and not unknown.ok and "record_from" in (unknown.error or "")


def test_recording_skips_errors_and_matches_on_content_not_model(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    flaky = ScriptedProvider(rules=lambda r: "ok", model="model-a")
    flaky.enqueue_error("boom")
    RecordedProvider(path, record_from=flaky).complete([ask("q")])
    assert not path.exists() or path.read_text() == ""
    RecordedProvider(path, record_from=flaky).complete([ask("q")])
    [replayed] = RecordedProvider(path).complete([ask("q")])
    assert replayed.text == "ok" and replayed.model == "model-a"


def test_missing_or_corrupt_recordings_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="does not exist"):
        make_provider(f"recorded:{tmp_path / 'none.jsonl'}")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "k", "response": {"text": "t"}}\nnot json\n')
    with pytest.raises(LLMError, match=r"bad.jsonl:2"):
        RecordedProvider(bad).complete([ask("q")])
