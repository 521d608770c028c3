"""Fixtures for the LLM provider tests: a tiny local HF model and a loopback chat-completions server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_server import ChatServer


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Qwen2 with a locally trained tokenizer, saved once per session."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may be downloaded
    # A 32-wide model gains nothing from intra-op threads, and on busy CI cores they spin: 10x slower.
    torch.set_num_threads(1)
    from tiny_hf_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_llm_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's own LLM configuration or API keys."""
    for name in ("OPTMODEL_LLM", "OPTMODEL_API_KEY", "OPENAI_API_KEY", "OPTMODEL_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
