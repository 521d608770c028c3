"""The OpenAI-compatible provider against a real HTTP server on the loopback interface."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from chat_server import ChatServer, Reply, completion, echo

from optmodel.errors import LLMNotConfiguredError
from optmodel.llm.types import ChatMessage, CompletionRequest

pytest.importorskip("openai")

from optmodel.llm.providers.openai_compat import OpenAICompatProvider


def ask(text: str, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest((ChatMessage("user", text),), max_tokens=16, request_id=text, **kwargs)


def provider_for(server: ChatServer, **kwargs: Any) -> OpenAICompatProvider:
    options: dict[str, Any] = {"timeout_s": 5.0, "max_retries": 3, "backoff_s": 0.01}
    options.update(kwargs)
    return OpenAICompatProvider("served-model", base_url=server.base_url, **options)


def test_answers_come_back_in_request_order(chat_server: ChatServer) -> None:
    requests = [ask(f"q{i}") for i in range(12)]
    responses = provider_for(chat_server, concurrency=4).complete(requests)
    assert [r.text for r in responses] == [f"echo:q{i}" for i in range(12)]
    assert [r.request_id for r in responses] == [f"q{i}" for i in range(12)]
    assert all(r.ok and r.provider == "openai" and r.model == "served-model" for r in responses)
    assert responses[0].usage.prompt_tokens == 7 and responses[0].usage.completion_tokens == 3


def test_requests_run_concurrently_within_the_limit(chat_server: ChatServer) -> None:
    def slow_echo(body: dict[str, Any], call: int) -> Reply:
        reply = echo(body, call)
        reply.delay_s = 0.2
        return reply

    chat_server.behaviour = slow_echo
    responses = provider_for(chat_server, concurrency=4).complete([ask(f"q{i}") for i in range(12)])
    assert all(r.ok for r in responses)
    assert 1 < chat_server.max_in_flight <= 4


def test_retries_429_and_500_then_succeeds(chat_server: ChatServer) -> None:
    failures = {1: 429, 2: 500, 3: 503}

    def flaky(body: dict[str, Any], call: int) -> Reply:
        if call in failures:
            return Reply(status=failures[call], body={"error": {"message": "try later"}})
        return echo(body, call)

    chat_server.behaviour = flaky
    [response] = provider_for(chat_server, max_retries=3).complete([ask("hello")])
    assert response.ok and response.text == "echo:hello"
    assert chat_server.calls == 4


def test_gives_up_after_retries_with_an_error_response(chat_server: ChatServer) -> None:
    chat_server.behaviour = lambda body, call: Reply(
        status=500, body={"error": {"message": "down"}}
    )
    [response] = provider_for(chat_server, max_retries=2).complete([ask("hello")])
    assert not response.ok and response.finish_reason == "error"
    assert "500" in (response.error or "") and "3 attempt" in (response.error or "")
    assert chat_server.calls == 3


def test_client_errors_are_not_retried(chat_server: ChatServer) -> None:
    chat_server.behaviour = lambda body, call: Reply(
        status=401, body={"error": {"message": "bad key"}}
    )
    [response] = provider_for(chat_server).complete([ask("hello")])
    assert "401" in (response.error or "")
    assert chat_server.calls == 1


def test_timeouts_end_in_an_error_response_after_bounded_retries(chat_server: ChatServer) -> None:
    release = threading.Event()

    def hang(body: dict[str, Any], call: int) -> Reply:
        release.wait(3.0)
        return echo(body, call)

    chat_server.behaviour = hang
    provider = provider_for(chat_server, timeout_s=0.3, max_retries=1)
    started = time.monotonic()
    [response] = provider.complete([ask("slow")])
    elapsed = time.monotonic() - started
    release.set()
    assert not response.ok and "attempt" in (response.error or "")
    assert chat_server.calls == 2
    assert elapsed < 3.0  # two 0.3 s attempts, not the server's 3 s


def test_one_failure_does_not_sink_the_batch(chat_server: ChatServer) -> None:
    def picky(body: dict[str, Any], call: int) -> Reply:
        if body["messages"][-1]["content"] == "bad":
            return Reply(status=400, body={"error": {"message": "nope"}})
        return echo(body, call)

    chat_server.behaviour = picky
    responses = provider_for(chat_server).complete([ask("a"), ask("bad"), ask("c")])
    assert [r.ok for r in responses] == [True, False, True]
    assert responses[2].text == "echo:c"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"this is not json", "malformed"),
        ({"id": "x", "object": "chat.completion"}, "no 'choices'"),
        ({"choices": []}, "no 'choices'"),
        ({"choices": [{"message": {"role": "assistant", "content": None}}]}, "no text content"),
    ],
)
def test_malformed_bodies_give_a_clear_error(
    chat_server: ChatServer, body: bytes | dict[str, Any], expected: str
) -> None:
    chat_server.behaviour = lambda b, call: Reply(body=body)
    [response] = provider_for(chat_server).complete([ask("hello")])
    assert not response.ok
    assert "malformed response" in (response.error or "") and expected in (response.error or "")


def test_request_parameters_and_response_format_are_sent(chat_server: ChatServer) -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    request = ask(
        "json please", json_schema=schema, temperature=0.7, top_p=0.9, seed=5, stop=("END",)
    )
    provider_for(chat_server).complete([request])
    [body] = chat_server.bodies
    assert body["model"] == "served-model"
    assert body["messages"] == [{"role": "user", "content": "json please"}]
    assert body["max_tokens"] == 16 and body["temperature"] == 0.7 and body["top_p"] == 0.9
    assert body["seed"] == 5 and body["stop"] == ["END"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema


def test_sample_index_changes_the_seed_sent(chat_server: ChatServer) -> None:
    provider_for(chat_server).complete(
        [ask("s", seed=5, sample_index=0), ask("s", seed=5, sample_index=1)]
    )
    seeds = sorted(body["seed"] for body in chat_server.bodies)
    assert 5 in seeds and len(set(seeds)) == 2


def test_falls_back_to_plain_text_once_when_response_format_is_rejected(
    chat_server: ChatServer,
) -> None:
    def no_structured_output(body: dict[str, Any], call: int) -> Reply:
        if "response_format" in body:
            return Reply(status=400, body={"error": {"message": "Unknown field: response_format"}})
        return Reply(body=completion('{"x": 1}'))

    chat_server.behaviour = no_structured_output
    provider = provider_for(chat_server, concurrency=1)
    schema = {"type": "object"}
    first = provider.complete([ask("one", json_schema=schema)])
    second = provider.complete([ask("two", json_schema=schema)])
    assert first[0].text == second[0].text == '{"x": 1}'
    # One rejected request, then every later request goes out without response_format.
    assert ["response_format" in b for b in chat_server.bodies] == [True, False, False]


def test_the_official_api_without_a_key_says_how_to_set_one() -> None:
    with pytest.raises(LLMNotConfiguredError, match="OPENAI_API_KEY"):
        OpenAICompatProvider("gpt-4o")


def test_api_key_comes_from_the_environment(
    chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_KEY", "sk-test")
    provider = OpenAICompatProvider("m", base_url=chat_server.base_url, api_key_env="MY_KEY")
    assert provider._client.api_key == "sk-test"
    monkeypatch.setenv("OPTMODEL_API_KEY", "sk-optmodel")
    assert OpenAICompatProvider("m", base_url=chat_server.base_url)._client.api_key == "sk-optmodel"
