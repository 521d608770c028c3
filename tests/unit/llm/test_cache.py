"""The SQLite response cache: hits and misses, the temperature rule, and concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from optmodel.llm.cache import CachedProvider, ResponseCache, cache_key
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.types import CompletionRequest, CompletionResponse


def counting_provider() -> ScriptedProvider:
    """Answers with the question and how many requests it has seen so far."""
    provider = ScriptedProvider(rules=lambda r: f"{r.last_user_message}#{len(provider.requests)}")
    return provider


def test_second_ask_is_a_hit_and_only_misses_reach_the_provider(tmp_path: Path) -> None:
    inner = counting_provider()
    llm = CachedProvider(inner, ResponseCache(tmp_path / "cache.sqlite3"))
    first = llm.complete([CompletionRequest.from_prompt("a", request_id="1")])
    second = llm.complete(
        [
            CompletionRequest.from_prompt("b", request_id="2"),
            CompletionRequest.from_prompt("a", request_id="3"),
        ]
    )
    assert [r.text for r in second] == ["b#2", first[0].text]
    assert [r.cached for r in second] == [False, True]
    assert second[1].request_id == "3"  # the cached answer is relabelled for the new request
    assert [r.last_user_message for r in inner.requests] == ["a", "b"]
    assert (llm.hits, llm.misses) == (1, 2)


def test_cache_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CachedProvider(counting_provider(), ResponseCache(path)).complete(
        [CompletionRequest.from_prompt("a")]
    )
    inner = counting_provider()
    [response] = CachedProvider(inner, ResponseCache(path)).complete(
        [CompletionRequest.from_prompt("a")]
    )
    assert response.cached and response.text == "a#1" and inner.requests == []


def test_duplicates_in_one_batch_are_sent_once(tmp_path: Path) -> None:
    inner = counting_provider()
    llm = CachedProvider(inner, ResponseCache(tmp_path / "c.sqlite3"))
    responses = llm.complete(
        [CompletionRequest.from_prompt("same", request_id=str(i)) for i in range(3)]
    )
    assert len(inner.requests) == 1
    assert [r.request_id for r in responses] == ["0", "1", "2"]
    assert len({r.text for r in responses}) == 1


def test_temperature_rule_samples_are_cached_per_sample_index(tmp_path: Path) -> None:
    inner = counting_provider()
    llm = CachedProvider(inner, ResponseCache(tmp_path / "c.sqlite3"))

    def samples(indices: range) -> list[str]:
        return [
            r.text
            for r in llm.complete(
                [
                    CompletionRequest.from_prompt("p", temperature=0.8, sample_index=i)
                    for i in indices
                ]
            )
        ]

    first = samples(range(3))
    assert len(set(first)) == 3  # three different samples
    assert samples(range(3)) == first  # a re-run gets the same three back
    assert (
        samples(range(4))[3] not in first and len(inner.requests) == 4
    )  # a new index is a new sample
    greedy = CompletionRequest.from_prompt("p")
    assert llm.complete([greedy])[0].text == llm.complete([greedy])[0].text


def test_key_covers_everything_that_changes_the_answer() -> None:
    base = CompletionRequest.from_prompt("p", max_tokens=10)
    variants = [
        CompletionRequest.from_prompt("q", max_tokens=10),
        CompletionRequest.from_prompt("p", max_tokens=11),
        CompletionRequest.from_prompt("p", max_tokens=10, temperature=0.5),
        CompletionRequest.from_prompt("p", max_tokens=10, top_p=0.5),
        CompletionRequest.from_prompt("p", max_tokens=10, seed=1),
        CompletionRequest.from_prompt("p", max_tokens=10, json_schema={"type": "object"}),
        CompletionRequest.from_prompt("p", max_tokens=10, sample_index=1),
        CompletionRequest.from_prompt("p", max_tokens=10, system="be brief"),
    ]
    key = cache_key(base, provider="openai", model="m")
    assert all(cache_key(v, provider="openai", model="m") != key for v in variants)
    assert cache_key(base, provider="openai", model="other") != key
    assert cache_key(base, provider="hf", model="m") != key
    relabelled = CompletionRequest.from_prompt("p", max_tokens=10, request_id="another id")
    assert cache_key(relabelled, provider="openai", model="m") == key


def test_errors_are_not_cached(tmp_path: Path) -> None:
    inner = ScriptedProvider(rules=lambda r: "fine")
    inner.enqueue_error("server down")
    llm = CachedProvider(inner, ResponseCache(tmp_path / "c.sqlite3"))
    request = CompletionRequest.from_prompt("p")
    assert not llm.complete([request])[0].ok
    assert llm.complete([request])[0].text == "fine"
    assert len(inner.requests) == 2


def test_database_uses_wal_journaling(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ResponseCache(path).close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _write_many(path: str, tag: str, count: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    cache = ResponseCache(path)
    for i in range(count):
        response = CompletionResponse(request_id="", text=f"{tag}-{i}", provider="p", model="m")
        cache.put_many([(f"{tag}-{i}", response)])  # one transaction per write: maximal contention
        cache.get_many([f"{tag}-{i // 2}"])
    cache.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    ResponseCache(path).close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_write_many, args=(path, tag, 300, start)) for tag in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    cache = ResponseCache(path)
    assert len(cache) == 600
    stored = cache.get_many([f"{t}-{i}" for t in "ab" for i in range(300)])
    assert all(stored[f"{t}-{i}"].text == f"{t}-{i}" for t in "ab" for i in range(300))
