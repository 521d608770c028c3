"""The SQLite store: versioning with rollback, optimistic edits, search, statistics, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from library_doubles import make_insight

from optmodel.errors import LibraryError
from optmodel.experience_library import MIGRATIONS, InsightStore, apply_migrations
from optmodel.experience_library.logbook import RetrievalRecord


def test_every_change_is_a_version_and_rollback_restores_any_step(store: InsightStore) -> None:
    store.add(make_insight("ins-a", applies_when="first condition"))
    v1 = store.get("ins-a")
    v2 = store.update(v1.model_copy(update={"applies_when": "second condition"}), reason="edit 1")
    v3 = store.update(v2.model_copy(update={"applies_when": "third condition"}), reason="edit 2")
    assert (v2.version, v3.version) == (2, 3)

    restored = store.rollback("ins-a", 1)
    assert restored.version == 4 and restored.applies_when == "first condition"
    history = store.versions("ins-a")
    assert [v.insight.applies_when for v in history] == [
        "first condition", "second condition", "third condition", "first condition"
    ]  # fmt: skip
    assert history[-1].reason == "rollback to version 1"
    # The rollback is itself a step that can be undone.
    assert store.rollback("ins-a", 3).applies_when == "third condition"
    with pytest.raises(LibraryError, match="no version 9"):
        store.rollback("ins-a", 9)


def test_unchanged_content_makes_no_version(store: InsightStore) -> None:
    added = store.add(make_insight("ins-a"))
    assert store.update(added, reason="no-op").version == 1
    assert len(store.versions("ins-a")) == 1


def test_edit_from_a_stale_version_is_refused_not_overwritten(store: InsightStore) -> None:
    original = store.add(make_insight("ins-a"))
    store.update(original.model_copy(update={"title": "edited by someone"}), reason="other user")
    with pytest.raises(LibraryError, match="changed meanwhile"):
        store.update(original.model_copy(update={"title": "my edit"}), reason="me")
    assert store.get("ins-a").title == "edited by someone"


def test_duplicate_add_fails_and_unknown_ids_are_clear(store: InsightStore) -> None:
    store.add(make_insight("ins-a"))
    with pytest.raises(LibraryError, match="already exists"):
        store.add_many([make_insight("ins-b"), make_insight("ins-a")])
    assert store.find("ins-b") is None  # the whole batch was rolled back
    with pytest.raises(LibraryError, match="no insight with id 'nope'"):
        store.get("nope")


def test_search_finds_by_condition_and_skips_retired(store: InsightStore) -> None:
    store.add(make_insight("ins-trucks"))
    store.add(
        make_insight(
            "ins-minutes",
            title="Convert minutes to hours",
            applies_when="times are given in minutes and hours",
            keywords=["minutes"],
        )
    )
    hits = store.search("Each job takes 20 minutes; 8 hours are available.", k=2)
    assert hits[0].insight.id == "ins-minutes"
    store.retire("ins-minutes", reason="obsolete")
    assert "ins-minutes" not in [h.insight.id for h in store.search("minutes hours", k=5)]
    assert store.get("ins-minutes").status == "retired"
    store.rollback("ins-minutes", 1)  # restoring a retired insight brings it back to retrieval
    assert store.search("minutes hours", k=1)[0].insight.id == "ins-minutes"


def test_outcomes_update_statistics_and_stats_summarise(store: InsightStore) -> None:
    store.add(make_insight("ins-a"))
    store.add(make_insight("ins-b"))
    ids = store.log_retrievals(
        [
            RetrievalRecord("p1", (("ins-a", 2.0), ("ins-b", 1.0)), ("ins-a",), "llm"),
            RetrievalRecord("p2", (("ins-a", 2.0),), ("ins-a",), "lexical-fallback"),
        ]
    )
    store.record_outcome(ids[0], correct=True, baseline_correct=False)  # helped
    store.record_outcome(ids[1], correct=True, baseline_correct=True)  # irrelevant
    a = store.get("ins-a").stats
    assert (a.retrieved, a.selected, a.helped, a.hurt, a.irrelevant) == (2, 2, 1, 0, 1)
    assert store.get("ins-b").stats.retrieved == 1 and store.get("ins-b").stats.selected == 0
    # Re-recording replaces the earlier outcome instead of counting twice.
    store.record_outcome(ids[0], correct=False, baseline_correct=True)
    a = store.get("ins-a").stats
    assert (a.helped, a.hurt, a.irrelevant) == (0, 1, 1)

    stats = store.stats()
    assert stats.insights_active == 2 and stats.retrievals_logged == 2
    assert stats.outcomes_recorded == 2 and stats.outcomes_correct == 1
    assert stats.llm_check_fallbacks == 1
    assert stats.most_harmful == [("ins-a", 1)]
    with pytest.raises(LibraryError, match="no retrieval with log id 999"):
        store.record_outcome(999, correct=True)


def test_migrations_bring_an_old_database_up_to_date(library_path: Path) -> None:
    # A library written by the first schema version, with one insight in it.
    conn = sqlite3.connect(library_path, isolation_level=None)
    apply_migrations(conn, upto=1)
    insight = make_insight("ins-old")
    conn.execute(
        "INSERT INTO insights VALUES (?, 1, 'active', ?, ?, ?, ?)",
        (insight.id, insight.taxonomy.track, insight.model_dump_json(), "2024-01-01", "2024-01-01"),
    )
    conn.execute(
        "INSERT INTO insight_versions VALUES (?, 1, ?, 'added', '2024-01-01')",
        (insight.id, insight.model_dump_json()),
    )
    conn.close()

    with InsightStore(library_path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        old = store.get("ins-old")
        assert old.title == insight.title and old.stats.retrieved == 0
        [log_id] = store.log_retrievals(
            [RetrievalRecord("p", (("ins-old", 1.0),), ("ins-old",), "llm")]
        )
        store.record_outcome(log_id, correct=True)
        assert store.get("ins-old").stats.helped == 1
    applied = sqlite3.connect(library_path).execute("SELECT version FROM schema_migrations")
    assert [row[0] for row in applied] == list(range(1, len(MIGRATIONS) + 1))


def test_a_database_from_a_newer_optmodel_is_refused(library_path: Path) -> None:
    InsightStore(library_path).close()
    conn = sqlite3.connect(library_path, isolation_level=None)
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'later')")
    conn.close()
    with pytest.raises(LibraryError, match="newer than this optmodel"):
        InsightStore(library_path)


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is not sqlite " * 100)
    with pytest.raises(LibraryError, match="cannot open the experience library"):
        InsightStore(bogus)
