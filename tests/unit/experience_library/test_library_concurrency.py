"""Two real processes learning into one library file at the same time lose nothing."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from library_doubles import make_insight

from optmodel.experience_library import InsightStore
from optmodel.experience_library.logbook import RetrievalRecord

PER_PROCESS = 50


def _writer(path: str, tag: str) -> None:
    with InsightStore(path) as store:
        for n in range(PER_PROCESS):
            insight = make_insight(f"ins-{tag}-{n}", title=f"insight {tag} {n}")
            store.add(insight)
            [log_id] = store.log_retrievals(
                [RetrievalRecord(f"{tag}-p{n}", (("shared", 1.0),), ("shared",), "llm")]
            )
            store.record_outcome(log_id, correct=n % 2 == 0)
            if n % 10 == 0:  # edits interleave with the other process's writes
                store.update(
                    store.get(insight.id).model_copy(update={"title": "edited"}), reason="e"
                )


def test_two_processes_adding_insights_and_logs_lose_nothing(library_path: Path) -> None:
    with InsightStore(library_path) as store:
        store.add(make_insight("shared"))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(library_path), t)) for t in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0

    with InsightStore(library_path) as store:
        insights = store.insights()
        assert len(insights) == 1 + 2 * PER_PROCESS
        assert sum(i.title == "edited" for i in insights) == 2 * (PER_PROCESS // 10)
        records = store.retrieval_records(with_outcome=True)
        assert len(records) == 2 * PER_PROCESS
        assert {r.problem_id for r in records} == {f"{t}-p{n}" for t in "ab" for n in range(50)}
        shared = store.get("shared").stats
        # Counters are incremented in SQL, so no increment from either process is lost.
        assert (shared.retrieved, shared.selected) == (100, 100)
        assert (shared.helped, shared.hurt) == (50, 50)
        assert store.stats().versions_total == 1 + 2 * PER_PROCESS + 2 * (PER_PROCESS // 10)
