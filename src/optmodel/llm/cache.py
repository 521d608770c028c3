"""A persistent SQLite cache of LLM responses, safe to share between threads and processes.

Key: sha256 of the canonical JSON of (provider, model, the provider's answer-changing settings such as the
endpoint's base URL and structured-output mode or a local model's decoder and libraries, messages,
temperature, top_p, seed, json_schema, max_tokens, stop, sample_index); see :func:`cache_key`. A provider states its settings with a
``cache_identity()`` method; one without it is keyed by its class as well, never shared with another kind.

The temperature rule: a greedy request (temperature 0) is cached, as it should give one answer. A sampled
request (temperature > 0) is cached *per sample index*: asking for samples 0..k-1 of a prompt gives k
separate answers, and a re-run gets the same k back instead of paying for them again. To draw fresh
samples, ask for new sample indices (or do not wrap the provider in a cache). Failed responses, empty
replies and replies to a JSON-Schema request that hold no JSON object are never stored, so a re-run
retries them.

A damaged database raises :class:`CacheError` with its path and how to clear it (delete the file, or run
without the cache: ``--no-cache``).

The database uses WAL journaling and a long busy timeout; every write is one ``BEGIN IMMEDIATE``
transaction, so several processes (e.g. a benchmark's worker pool) can write at once without losing rows.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from optmodel.errors import OptmodelError
from optmodel.llm.extract import extract_document
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.types import (
    CompletionRequest,
    CompletionResponse,
    Usage,
    canonical_json,
    request_identity,
)


class CacheError(OptmodelError):
    """The response cache cannot be read or written; the message names the file and how to clear it."""


_SCHEMA_VERSION = 1
_CHUNK = 500  # stay well under SQLite's limit on query parameters


def default_cache_path() -> Path:
    """``<user cache dir>/optmodel/llm-responses.sqlite3`` (platformdirs decides the cache dir)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("optmodel")) / "llm-responses.sqlite3"


def cache_key(
    request: CompletionRequest,
    *,
    provider: str,
    model: str,
    settings: Mapping[str, Any] | None = None,
) -> str:
    """The cache key of ``request`` sent to ``model`` through ``provider`` configured with ``settings``.

    ``settings`` holds everything about the provider that can change the answer: the endpoint's base URL,
    structured-output switches, decoding options.
    """
    payload = {
        "provider": provider,
        "model": model,
        "settings": dict(settings or {}),
        "request": request_identity(request),
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def provider_settings(provider: LLMProvider) -> dict[str, Any]:
    """What about ``provider`` can change an answer: its ``cache_identity()``, else its class."""
    identity = getattr(provider, "cache_identity", None)
    if callable(identity):
        return dict(identity())
    kind = type(provider)
    return {"class": f"{kind.__module__}.{kind.__qualname__}"}


def cacheable(request: CompletionRequest, response: CompletionResponse) -> bool:
    """Only real answers are stored: no errors, no empty replies, JSON where JSON was required."""
    if not response.ok or not response.text.strip():
        return False
    return request.json_schema is None or extract_document(response.text).document is not None


def _damaged(path: Path, error: Exception) -> CacheError:
    return CacheError(
        f"the LLM response cache {path} cannot be used ({error}). Delete the file to clear it "
        f"(rm '{path}'), point cache_path in the optmodel config elsewhere, or run with --no-cache"
    )


class ResponseCache:
    """Successful responses by key. ``ResponseCache()`` opens the default per-user cache."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout_s: float = 60.0) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._lock = threading.Lock()
        with self._guard():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE below.
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._transaction():
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS responses ("
                    " key TEXT PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL,"
                    " text TEXT NOT NULL, finish_reason TEXT NOT NULL,"
                    " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
                    " latency_s REAL NOT NULL, created_at REAL NOT NULL)"
                )
                self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.DatabaseError, OSError) as error:
            raise _damaged(self.path, error) from error

    def get_many(self, keys: Iterable[str]) -> dict[str, CompletionResponse]:
        """The stored responses among ``keys`` (``request_id`` empty, ``cached`` True)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, CompletionResponse] = {}
        with self._lock, self._guard():
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key, provider, model, text, finish_reason, prompt_tokens, completion_tokens"
                    f" FROM responses WHERE key IN ({marks})",
                    chunk,
                ).fetchall()
                for key, provider, model, text, finish, prompt, completion in rows:
                    found[key] = CompletionResponse(
                        request_id="",
                        text=text,
                        usage=Usage(prompt, completion),
                        model=model,
                        provider=provider,
                        cached=True,
                        finish_reason=finish,
                    )
        return found

    def put_many(self, entries: Sequence[tuple[str, CompletionResponse]]) -> int:
        """Store the successful responses among ``entries``; returns how many were stored.

        Callers filter with :func:`cacheable` first when they know the requests.
        """
        rows = [
            (
                key,
                r.provider,
                r.model,
                r.text,
                r.finish_reason,
                r.usage.prompt_tokens,
                r.usage.completion_tokens,
                r.latency_s,
                time.time(),
            )
            for key, r in entries
            if r.ok
        ]
        if rows:
            with self._lock, self._guard(), self._transaction():
                self._db.executemany(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
        return len(rows)

    def __len__(self) -> int:
        with self._lock, self._guard():
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): takes the write lock up front, waiting if busy."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


class CachedProvider:
    """Wraps a provider: answers what the cache holds, sends only the misses (once each) to ``inner``."""

    def __init__(self, inner: LLMProvider, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.model = inner.model
        self.hits = 0
        self.misses = 0

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Cached answers plus fresh ones from ``inner``, in the caller's order."""
        settings = provider_settings(self.inner)  # read per call: a provider may switch modes
        keys = [
            cache_key(r, provider=self.inner.name, model=self.inner.model, settings=settings)
            for r in requests
        ]
        stored = self.cache.get_many(keys)
        # Identical requests in one batch are sent once.
        to_send: dict[str, CompletionRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in stored and key not in to_send:
                to_send[key] = request
        fresh: dict[str, CompletionResponse] = {}
        if to_send:
            answers = self.inner.complete(list(to_send.values()))
            fresh = dict(zip(to_send, answers, strict=True))
            self.cache.put_many([(k, r) for k, r in fresh.items() if cacheable(to_send[k], r)])
        self.hits += sum(1 for k in keys if k in stored)
        self.misses += len(to_send)
        results = []
        for key, request in zip(keys, requests, strict=True):
            if key in stored:
                results.append(_relabel(stored[key], request))
            else:
                results.append(_relabel(fresh[key], request))
        return results


def _relabel(response: CompletionResponse, request: CompletionRequest) -> CompletionResponse:
    """The same answer, under this request's own id."""
    if response.request_id == request.request_id:
        return response
    return replace(response, request_id=request.request_id)
