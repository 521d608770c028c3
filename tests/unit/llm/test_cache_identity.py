"""The response cache never answers for another endpoint, never keeps failures, and says when it is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_server import ChatServer, Reply, completion
from typer.testing import CliRunner

from optmodel.cli.main import app
from optmodel.llm.cache import CachedProvider, CacheError, ResponseCache
from optmodel.llm.config import make_provider
from optmodel.llm.types import CompletionRequest

MODEL = '{"variables": {"x": {"ub": 4}}, "objective": {"sense": "maximize", "expression": "2*x"}}'


def _ask(server: ChatServer, cache: Path, **request: object) -> tuple[str, bool, str | None]:
    provider = make_provider(
        f"openai:m@{server.base_url}", cache_path=cache, max_retries=0, timeout_s=5
    )
    [reply] = provider.complete([CompletionRequest.from_prompt("formulate", **request)])  # type: ignore[arg-type]
    return reply.text, reply.cached, reply.error


@pytest.fixture
def servers() -> list[ChatServer]:
    started = [ChatServer().start() for _ in range(3)]
    yield started
    for server in started:
        server.stop()


def test_another_endpoint_never_gets_the_first_endpoints_answer(
    tmp_path: Path, servers: list[ChatServer]
) -> None:
    good, failing, garbage = servers
    good.behaviour = lambda body, call: Reply(body=completion(MODEL))
    failing.behaviour = lambda body, call: Reply(status=500, body=b"boom")
    garbage.behaviour = lambda body, call: Reply(body=b"<html>not json</html>")
    cache = tmp_path / "cache.sqlite3"
    assert _ask(good, cache) == (MODEL, False, None)
    assert _ask(good, cache) == (MODEL, True, None)  # same endpoint: a hit
    text, cached, error = _ask(failing, cache)
    assert (text, cached) == ("", False) and error is not None and "500" in error
    text, cached, error = _ask(garbage, cache)
    assert (text, cached) == ("", False) and error is not None and "malformed" in error
    assert len(ResponseCache(cache)) == 1  # neither failure was stored
    assert (failing.calls, garbage.calls) == (1, 1)


def test_a_reply_without_json_to_a_schema_request_is_not_kept(
    tmp_path: Path, chat_server: ChatServer
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion("I cannot help with that"))
    cache = tmp_path / "cache.sqlite3"
    schema = {"type": "object"}
    assert _ask(chat_server, cache, json_schema=schema)[:2] == ("I cannot help with that", False)
    assert _ask(chat_server, cache, json_schema=schema)[1] is False
    assert chat_server.calls == 2 and len(ResponseCache(cache)) == 0


def test_sampling_and_schema_settings_are_part_of_the_key(
    tmp_path: Path, chat_server: ChatServer
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(f'{{"n": {call}}}'))
    cache = tmp_path / "cache.sqlite3"
    variants: list[dict[str, object]] = [
        {},
        {"temperature": 0.5},
        {"top_p": 0.9},
        {"seed": 3},
        {"max_tokens": 17},
        {"json_schema": {"type": "object"}},
        {"stop": ("END",)},
    ]
    for variant in variants:
        assert _ask(chat_server, cache, **variant)[1] is False
    assert chat_server.calls == len(variants)


def test_structured_output_mode_is_part_of_the_key(tmp_path: Path, chat_server: ChatServer) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(f'{{"n": {call}}}'))
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    spec = f"openai:m@{chat_server.base_url}"
    request = [CompletionRequest.from_prompt("q", json_schema={"type": "object"})]
    plain = make_provider(spec, cache=False, structured_output=False)
    shaped = make_provider(spec, cache=False, structured_output=True)
    CachedProvider(plain, cache).complete(request)
    [reply] = CachedProvider(shaped, cache).complete(request)
    assert not reply.cached and chat_server.calls == 2


def test_a_damaged_cache_names_its_file_and_the_way_out(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    cache.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError) as caught:
        ResponseCache(cache)
    assert str(cache) in str(caught.value) and "--no-cache" in str(caught.value)


def test_cli_reports_a_damaged_cache_and_no_cache_works_around_it(
    tmp_path: Path, chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(MODEL))
    cache_home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    damaged = cache_home / "optmodel" / "llm-responses.sqlite3"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"garbage" * 1000)
    problem = tmp_path / "p.txt"
    problem.write_text("Maximize twice x, x at most 4.", encoding="utf-8")
    command = ["solve", str(problem), "--llm", f"openai:m@{chat_server.base_url}"]
    broken = CliRunner().invoke(app, [*command, "--output", "json"])
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    message = "".join(broken.output.split())  # rich wraps long lines
    assert "".join(str(damaged).split()) in message and "--no-cache" in message
    fine = CliRunner().invoke(app, [*command, "--output", "json", "--no-cache"])
    assert fine.exit_code == 0, fine.output
    assert json.loads(fine.stdout)["cached_llm_calls"] == 0


def test_cached_replies_are_labelled_in_the_output(
    tmp_path: Path, chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(MODEL))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    problem = tmp_path / "p.txt"
    problem.write_text("Maximize twice x, x at most 4.", encoding="utf-8")
    command = [
        "solve",
        str(problem),
        "--llm",
        f"openai:m@{chat_server.base_url}",
        "--attempts",
        "1",
    ]
    first = CliRunner().invoke(app, command)
    again = CliRunner().invoke(app, command)
    assert first.exit_code == again.exit_code == 0
    assert "(1 cached)" not in first.output and "1 LLM call(s) (1 cached)" in again.output
    payload = json.loads(CliRunner().invoke(app, [*command, "--output", "json"]).stdout)
    assert payload["cached_llm_calls"] == 1 and chat_server.calls == 1
