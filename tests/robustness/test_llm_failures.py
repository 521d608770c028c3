"""LLM failures: their own exit code and words, never an "invalid model", never another endpoint's answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from robustness_llm import chat_reply
from typer.testing import CliRunner

from optmodel.cli.main import app

MODEL = '{"variables": {"x": {"ub": 4}}, "objective": {"sense": "maximize", "expression": "2*x"}}'
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def _problem(tmp_path: Path) -> Path:
    path = tmp_path / "p.txt"
    path.write_text("Maximize twice x where x is at most 4.", encoding="utf-8")
    return path


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_an_http_failure_exits_9_naming_url_status_and_body(tmp_path: Path, llm_server) -> None:  # type: ignore[no-untyped-def]
    server = llm_server(lambda body: (500, b'{"error": "the GPU caught fire"}'))
    result = CliRunner().invoke(
        app, ["solve", str(_problem(tmp_path)), "--llm", server.spec, "--attempts", "2"]
    )
    text = _flat(result.output)
    assert result.exit_code == 9, text
    assert "127.0.0.1" in text and "HTTP 500" in text and "the GPU caught fire" in text
    assert "repair" not in text and "invalid" not in text.lower()


def test_an_unreachable_server_exits_9(tmp_path: Path) -> None:
    spec = "openai:m@http://127.0.0.1:9/v1"
    result = CliRunner().invoke(app, ["formulate", str(_problem(tmp_path)), "--llm", spec])
    assert result.exit_code == 9 and "cannot reach http://127.0.0.1:9/v1" in _flat(result.output)


def test_a_garbage_reply_shows_its_start(tmp_path: Path, llm_server) -> None:  # type: ignore[no-untyped-def]
    server = llm_server(lambda body: (200, chat_reply("Lorem ipsum dolor sit amet, no model here")))
    result = CliRunner().invoke(
        app, ["solve", str(_problem(tmp_path)), "--llm", server.spec, "--attempts", "1"]
    )
    text = _flat(result.output)
    assert result.exit_code == 3 and "the reply starts: 'Lorem ipsum dolor" in text


def test_a_malformed_http_reply_is_an_llm_failure_with_its_start(
    tmp_path: Path, llm_server
) -> None:  # type: ignore[no-untyped-def]
    server = llm_server(lambda body: (200, b"<html>proxy error page</html>"))
    result = CliRunner().invoke(app, ["solve", str(_problem(tmp_path)), "--llm", server.spec])
    text = _flat(result.output)
    assert result.exit_code == 9 and "malformed response" in text and "<html>proxy error" in text


def test_three_endpoints_never_share_a_cached_answer(tmp_path: Path, llm_server) -> None:  # type: ignore[no-untyped-def]
    good = llm_server(lambda body: (200, chat_reply(MODEL)))
    failing = llm_server(lambda body: (500, b"boom"))
    garbage = llm_server(lambda body: (200, b"not json at all"))
    problem = str(_problem(tmp_path))
    once = [
        "--attempts",
        "1",
    ]  # one call per solve: no verification turn, so one cached reply to count
    first = CliRunner().invoke(
        app, ["solve", problem, "--llm", good.spec, "--output", "json", *once]
    )
    assert first.exit_code == 0 and json.loads(first.stdout)["cached_llm_calls"] == 0
    for server in (failing, garbage):
        again = CliRunner().invoke(
            app, ["solve", problem, "--llm", server.spec, "--output", "json", *once]
        )
        assert again.exit_code == 9, again.output  # before the fix: the good server's cached reply
    cached = CliRunner().invoke(
        app, ["solve", problem, "--llm", good.spec, "--output", "json", *once]
    )
    assert json.loads(cached.stdout)["cached_llm_calls"] == 1 and good.calls == 1


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets")
def test_bench_exits_9_when_every_problem_failed_on_the_llm(tmp_path: Path, llm_server) -> None:  # type: ignore[no-untyped-def]
    server = llm_server(lambda body: (503, b"maintenance"))
    args = ["bench", "nl4opt", "--llm", server.spec, "--limit", "2", "--data-dir", str(DATA)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "run"), "--no-plots"])
    assert result.exit_code == 9, result.output
    assert "every problem failed on an LLM error" in _flat(result.output)
