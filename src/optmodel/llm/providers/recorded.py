"""Replay (and record) LLM responses from a JSONL file: ``recorded:PATH``.

Used by the README demo and by tests that need real model output without a model. Each line holds one
response under ``key``, the sha256 of the request's content (messages, sampling parameters, schema,
max_tokens, sample_index; not the model, so a recording made with any model replays anywhere).

With ``record_from`` (another provider), requests missing from the file are sent there and its successful
answers are appended to the file (with an exclusive file lock, so parallel recorders do not interleave).
Without it, a missing request comes back as an error response that says how to record it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optmodel.errors import LLMError
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.types import CompletionRequest, CompletionResponse, Usage, request_fingerprint

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
        self._responses: dict[str, dict[str, Any]] = {}

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
                self._append([(requests[i], keys[i], fresh[n]) for n, i in enumerate(missing)])
                for n, i in enumerate(missing):
                    results[i] = fresh[n]
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

    def _replay(self, request: CompletionRequest, entry: dict[str, Any]) -> CompletionResponse:
        usage = entry.get("usage") or {}
        return CompletionResponse(
            request_id=request.request_id,
            text=entry["text"],
            usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
            model=str(entry.get("model", self.model)),
            provider=self.name,
            cached=True,
            finish_reason=str(entry.get("finish_reason", "stop")),
        )

    def _reload(self) -> None:
        """Re-read the file when it changed (another process may have recorded more)."""
        if not self.path.is_file():
            return
        stat = self.path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._loaded_stamp:
            return
        responses: dict[str, dict[str, Any]] = {}
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    responses[entry["key"]] = entry["response"]
                    entry["response"]["text"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise LLMError(
                        f"{self.path}:{number} is not a recorded-response line ({exc}); "
                        "fix or delete that line"
                    ) from exc
        self._responses = responses
        self._loaded_stamp = stamp

    def _append(self, items: list[tuple[CompletionRequest, str, CompletionResponse]]) -> None:
        lines = []
        for request, key, response in items:
            if not response.ok:
                continue  # errors are not worth replaying
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
            self._responses[key] = entry
            record = {
                "key": key,
                "request_id": request.request_id,
                "response": entry,
                "messages": [[m.role, m.content] for m in request.messages],  # for human readers
            }
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                handle.write("".join(lines))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
