"""Fixtures for the robustness suite: loopback LLM servers that fail in the ways real ones do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from robustness_llm import Behaviour, LoopbackLLM


@pytest.fixture
def llm_server() -> Iterator[Callable[[Behaviour], LoopbackLLM]]:
    started: list[LoopbackLLM] = []

    def start(behaviour: Behaviour) -> LoopbackLLM:
        started.append(LoopbackLLM(behaviour))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture(autouse=True)
def _isolated_llm_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer configuration, keys or cache leak into these tests."""
    for name in ("OPTMODEL_LLM", "OPTMODEL_API_KEY", "OPENAI_API_KEY", "OPTMODEL_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "xdg-config" / "optmodel" / "config.toml"
    config.parent.mkdir(parents=True)
    fail_fast = "[llm.openai]\nmax_retries = 0\ntimeout_s = 10\n"
    config.write_text(fail_fast, encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
