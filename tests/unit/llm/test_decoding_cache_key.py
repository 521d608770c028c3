"""The response cache keeps answers of differently configured decoders apart (a tiny local model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optmodel.llm.cache import CachedProvider, ResponseCache, cache_key, provider_settings
from optmodel.llm.providers import hf_decoding
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.providers.batch import BatchFileProvider
from optmodel.llm.providers.metered import MeteredProvider
from optmodel.llm.types import CompletionRequest

SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}},
    "required": ["n", "ok"],
    "additionalProperties": False,
}


def _ask(provider: object, cache: ResponseCache) -> tuple[str, bool]:
    request = CompletionRequest.from_prompt("count", json_schema=SCHEMA, max_tokens=24)
    [reply] = CachedProvider(provider, cache).complete([request])
    assert reply.ok, reply.error
    return reply.text, reply.cached


def test_constrained_decoding_settings_are_part_of_the_key(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optmodel.llm.providers.transformers import TransformersProvider

    cache = ResponseCache(tmp_path / "cache.sqlite3")
    usual = TransformersProvider(str(tiny_model_dir), device="cpu")
    assert _ask(usual, cache)[1] is False
    assert _ask(usual, cache)[1] is True  # same decoder: a hit
    # Only the grammar memory differs (past its share llguidance stops and the row closes early).
    small = TransformersProvider(str(tiny_model_dir), device="cpu", grammar_memory_mib=1)
    assert _ask(small, cache)[1] is False
    # A new decoder revision (budget rule, closing, grammar) never reuses the old decoder's answers.
    monkeypatch.setattr(hf_decoding, "DECODER_REVISION", hf_decoding.DECODER_REVISION + 1)
    assert _ask(usual, cache)[1] is False
    assert len(cache) == 3


def test_auto_device_and_dtype_are_keyed_as_what_they_resolve_to(tiny_model_dir: Path) -> None:
    pytest.importorskip("torch")
    from optmodel.llm.providers.transformers import TransformersProvider

    def key(**options: str) -> str:
        provider = TransformersProvider(str(tiny_model_dir), **options)
        request = CompletionRequest.from_prompt("p", json_schema=SCHEMA)
        return cache_key(request, provider="hf", model="m", settings=provider_settings(provider))

    import torch

    resolved = "cuda" if torch.cuda.is_available() else "cpu"
    assert key(device="auto", dtype="auto") == key(device=resolved)
    assert key(device="cpu", dtype="float32") != key(device="cpu", dtype="bfloat16")


def test_batch_answers_from_another_folder_are_another_entry(tmp_path: Path) -> None:
    request = CompletionRequest.from_prompt("p")

    def key(provider: LLMProvider) -> str:
        return cache_key(request, provider="batch", model="m", settings=provider_settings(provider))

    first = key(BatchFileProvider(tmp_path / "a"))
    assert first == key(BatchFileProvider(tmp_path / "x" / ".." / "a"))
    assert first != key(BatchFileProvider(tmp_path / "b"))
    assert first != key(BatchFileProvider(tmp_path / "a", structured_output=False))
    # A wrapper that only counts is keyed by what it wraps.
    assert key(MeteredProvider(BatchFileProvider(tmp_path / "a"))) == first
    assert key(MeteredProvider(BatchFileProvider(tmp_path / "b"))) != first
