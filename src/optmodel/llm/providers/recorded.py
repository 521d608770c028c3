"""Replay (and record) LLM responses from a JSONL file: ``recorded:PATH``.

Used by the README demo and by tests that need real model output without a model. Each line holds one
response under ``key``, the sha256 of the request's content (messages, sampling parameters, schema,
max_tokens, sample_index; not the model, so a recording made with any model replays anywhere).

With ``record_from`` (another provider), requests missing from the file are sent there and its successful
answers are appended to the file (with an exclusive file lock, so parallel recorders do not interleave).
Without it, a missing request comes back as an error response that says how to record it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optmodel.errors import LLMError
from optmodel.llm.providers.answer_files import AnswerIndex, json_lines, malformed
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.providers.openai_format import (
    ChatCompletion,
    MalformedResponse,
    to_response,
    token_counts,
)
from optmodel.llm.types import CompletionRequest, CompletionResponse, request_fingerprint

try:
    import fcntl
except ImportError:  # Windows: appends of one line are still whole, just not serialised
    fcntl = None  # type: ignore[assignment]


def recording_key(request: CompletionRequest) -> str:
    """The key a request is stored under: its content fingerprint, independent of the model."""
    return request_fingerprint(request)


class RecordedProvider:
    """Answers from a recorded-responses JSONL file, optionally recording misses from another provider."""

    name = "recorded"

    def __init__(self, path: str | Path, *, record_from: LLMProvider | None = None) -> None:
        self.path = Path(path)
        self.record_from = record_from
        self.model = record_from.model if record_from is not None else "recorded"
        if record_from is None and not self.path.is_file():
            raise LLMError(
                f"recorded responses file {self.path} does not exist. Record one by wrapping a real "
                f"provider: make_provider('recorded:{self.path}', record_from='openai:gpt-4o')"
            )
        self._lock = threading.Lock()
        self._loaded_stamp: tuple[float, int] | None = None
        self._responses: AnswerIndex[ChatCompletion] = AnswerIndex.empty("recorded")

    def cache_identity(self) -> dict[str, Any]:
        """What besides the request decides an answer: the file, and the provider that fills its gaps."""
        from optmodel.llm.cache import provider_settings

        inner = self.record_from
        return {
            "path": str(self.path.resolve()),
            "record_from": None if inner is None else [inner.name, provider_settings(inner)],
        }

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Replay what the file holds; record (or report) the rest."""
        with self._lock:
            self._reload()
            keys = [recording_key(r) for r in requests]
            results: list[CompletionResponse | None] = [
                self._replay(r, self._responses[k]) if k in self._responses else None
                for r, k in zip(requests, keys, strict=True)
            ]
            missing = [i for i, r in enumerate(results) if r is None]
            if missing and self.record_from is not None:
                fresh = self.record_from.complete([requests[i] for i in missing])
                taken = self._append(
                    [(requests[i], keys[i], fresh[n]) for n, i in enumerate(missing)]
                )
                for n, i in enumerate(missing):
                    key = keys[i]
                    results[i] = (
                        self._replay(requests[i], self._responses[key])
                        if key in taken
                        else fresh[n]
                    )
            for i in missing:
                if results[i] is None:
                    results[i] = CompletionResponse.failure(
                        requests[i],
                        f"no recorded response for this request (key {keys[i][:12]}…) in {self.path}; "
                        "re-record with record_from=<a real provider>",
                        provider=self.name,
                        model=self.model,
                    )
        return [r for r in results if r is not None]

    def _replay(self, request: CompletionRequest, entry: ChatCompletion) -> CompletionResponse:
        response = to_response(entry, request, provider=self.name, model=self.model)
        return dataclasses.replace(response, cached=True)

    def _reload(self) -> None:
        """Re-read the file when it changed (another process may have recorded more)."""
        if not self.path.is_file():
            return
        stat = self.path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._loaded_stamp:
            return
        responses: AnswerIndex[ChatCompletion] = AnswerIndex.empty("recorded")
        for place, line in json_lines(self.path, "recorded-response"):
            try:
                key, entry = _read_recording(line)
            except MalformedResponse as exc:
                raise malformed(place, "recorded-response", exc) from exc
            responses.add(key, entry, place)
        self._responses = responses
        self._loaded_stamp = stamp

    def _append(self, items: list[tuple[CompletionRequest, str, CompletionResponse]]) -> set[str]:
        """Append the successful answers; returns the keys another recorder wrote first (kept as is).

        Parallel recorders may answer one request differently; re-reading the file under the lock
        keeps the first answer, so the file never holds two answers for one key.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                self._loaded_stamp = None
                self._reload()
                taken = {key for _, key, _ in items if key in self._responses}
                lines = [_record_line(r, key, resp) for r, key, resp in items if key not in taken]
                handle.write("".join(line for line in lines if line))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return taken


def _record_line(request: CompletionRequest, key: str, response: CompletionResponse) -> str:
    """The file line recording ``response`` under ``key``; empty for errors (not worth replaying)."""
    if not response.ok:
        return ""
    entry: dict[str, Any] = {
        "text": response.text,
        "finish_reason": response.finish_reason,
        "usage": {
            "prompt_tokens": response.usage.prompt_tokens,
            "completion_tokens": response.usage.completion_tokens,
        },
        "model": response.model,
        "provider": response.provider,
    }
    record = {
        "key": key,
        "request_id": request.request_id,
        "response": entry,
        "messages": [[m.role, m.content] for m in request.messages],  # for human readers
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def _read_recording(line: Any) -> tuple[str, ChatCompletion]:
    """(key, answer) of one recorded-response line; MalformedResponse if it has the wrong shape."""
    if not isinstance(line, dict):
        raise MalformedResponse(f"expected a JSON object, got {type(line).__name__}")
    key, entry = line.get("key"), line.get("response")
    if not isinstance(key, str) or not key:
        raise MalformedResponse("it has no 'key' string")
    if not isinstance(entry, dict):
        raise MalformedResponse("its 'response' is not an object")
    text, model = entry.get("text"), entry.get("model")
    if not isinstance(text, str):
        raise MalformedResponse("its response has no 'text' string")
    return key, ChatCompletion(
        text,
        str(entry.get("finish_reason") or "stop"),
        str(model) if model else None,
        *token_counts(entry.get("usage")),
    )
