"""The insight store: SQLite (WAL) with versioned insights, statistics, the retrieval log and learning runs.

Every content change writes a new row in ``insight_versions``, so any step can be rolled back with
:meth:`InsightStore.rollback` (which is itself a new version, so it can be undone too). Writes take the
database's write lock up front (``BEGIN IMMEDIATE``) and wait up to ``timeout_s`` for it, so several
processes can learn into one library at once without losing anything.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from optmodel.errors import LibraryError

from . import logbook
from .insight import Insight, InsightStats, LibraryStats, utc_now
from .lexical import LexicalIndex
from .migrations import apply_migrations, schema_version
from .protocols import Problem

if TYPE_CHECKING:
    from .exchange import ImportReport

_COLUMNS = (
    "SELECT i.data, i.version, i.created_at, i.updated_at, "
    "s.retrieved, s.selected, s.helped, s.hurt, s.irrelevant "
    "FROM insights i LEFT JOIN insight_stats s ON s.insight_id = i.id"
)


@dataclass(frozen=True)
class InsightVersion:
    """One stored version of an insight (the newest is the current one)."""

    version: int
    reason: str
    created_at: str
    insight: Insight


@dataclass(frozen=True)
class SearchHit:
    insight: Insight
    score: float


def default_library_path() -> Path:
    """Where the user's own library lives unless told otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("optmodel")) / "experience.sqlite"


class InsightStore:
    """A library of insights in one SQLite file (created and migrated on open).

    >>> store = InsightStore(":memory:")
    >>> len(store.insights())
    0
    """

    def __init__(self, path: str | Path, *, timeout_s: float = 60.0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
            apply_migrations(self._conn)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"cannot open the experience library at {self.path}: {exc}") from exc
        self._index: tuple[int, LexicalIndex, dict[str, Insight]] | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> InsightStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (re-entrant): everything inside commits together or not at all."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _bump_revision(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")

    def revision(self) -> int:
        """A counter that grows with every content change (from any process)."""
        with self._lock:
            return int(
                self._conn.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0]
            )

    def schema_version(self) -> int:
        with self._lock:
            return schema_version(self._conn)

    # --- reading ---------------------------------------------------------------------------------
    def _row_to_insight(self, row: Sequence[Any]) -> Insight:
        data = json.loads(row[0])
        stats = InsightStats(
            **{name: row[4 + n] or 0 for n, name in enumerate(logbook.STAT_FIELDS)}
        )
        return Insight.model_validate(
            {**data, "version": row[1], "created_at": row[2], "updated_at": row[3], "stats": stats}
        )

    def find(self, insight_id: str) -> Insight | None:
        """The current version of an insight, or None."""
        with self._lock:
            row = self._conn.execute(_COLUMNS + " WHERE i.id = ?", (insight_id,)).fetchone()
        return None if row is None else self._row_to_insight(row)

    def get(self, insight_id: str) -> Insight:
        """The current version of an insight; LibraryError if there is none."""
        insight = self.find(insight_id)
        if insight is None:
            raise LibraryError(f"no insight with id {insight_id!r} in {self.path}")
        return insight

    def get_many(self, insight_ids: Iterable[str]) -> list[Insight]:
        """The insights that exist among ``insight_ids``, in the order asked."""
        found = (self.find(i) for i in insight_ids)
        return [insight for insight in found if insight is not None]

    def insights(self, *, include_retired: bool = False, track: str | None = None) -> list[Insight]:
        """All (active) insights, oldest first, optionally one track only."""
        sql, args = _COLUMNS + " WHERE 1=1", []
        if not include_retired:
            sql += " AND i.status = 'active'"
        if track:
            sql += " AND i.track = ?"
            args.append(track)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY i.created_at, i.id", args).fetchall()
        return [self._row_to_insight(row) for row in rows]

    def versions(self, insight_id: str) -> list[InsightVersion]:
        """Every stored version of an insight, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT version, reason, created_at, data FROM insight_versions "
                "WHERE insight_id = ? ORDER BY version",
                (insight_id,),
            ).fetchall()
        if not rows:
            raise LibraryError(f"no insight with id {insight_id!r} in {self.path}")
        return [
            InsightVersion(
                version=v,
                reason=reason,
                created_at=at,
                insight=Insight.model_validate({**json.loads(data), "version": v}),
            )
            for v, reason, at, data in rows
        ]

    # --- writing ---------------------------------------------------------------------------------
    def add(self, insight: Insight, *, reason: str = "added") -> Insight:
        """Store a new insight as version 1; LibraryError if its id is taken."""
        return self.add_many([insight], reason=reason)[0]

    def add_many(self, insights: Sequence[Insight], *, reason: str = "added") -> list[Insight]:
        """Store several new insights in one transaction (all or none)."""
        with self.transaction() as conn:
            for insight in insights:
                if conn.execute("SELECT 1 FROM insights WHERE id = ?", (insight.id,)).fetchone():
                    raise LibraryError(
                        f"insight {insight.id!r} already exists; update it instead of adding it"
                    )
                self._write_version(conn, insight.model_copy(update={"version": 1}), reason, True)
                stats = insight.stats.model_dump()
                conn.execute(
                    "INSERT OR REPLACE INTO insight_stats VALUES (?, ?, ?, ?, ?, ?)",
                    (insight.id, *(stats[f] for f in logbook.STAT_FIELDS)),
                )
            self._bump_revision(conn)
        return [self.get(insight.id) for insight in insights]

    def update(self, insight: Insight, *, reason: str) -> Insight:
        """Save ``insight`` as the next version of the stored one with the same id.

        ``insight.version`` must be the current version (as read): a change made meanwhile by someone else
        raises LibraryError instead of being overwritten. Saving unchanged content creates no version.
        """
        with self.transaction() as conn:
            current = self.find(insight.id)
            if current is None:
                raise LibraryError(f"no insight with id {insight.id!r} to update; add it first")
            if current.version != insight.version:
                raise LibraryError(
                    f"insight {insight.id!r} changed meanwhile (now version {current.version}, "
                    f"edited from version {insight.version}); re-read it and edit again"
                )
            if current.content() == insight.content():
                return current
            updated = insight.model_copy(
                update={"version": current.version + 1, "created_at": current.created_at}
            )
            self._write_version(conn, updated, reason, False)
            self._bump_revision(conn)
        return self.get(insight.id)

    def retire(self, insight_id: str, *, reason: str, superseded_by: str = "") -> Insight:
        """Take an insight out of retrieval (a new version; roll back to restore it)."""
        current = self.get(insight_id)
        return self.update(
            current.model_copy(update={"status": "retired", "superseded_by": superseded_by}),
            reason=reason,
        )

    def rollback(self, insight_id: str, version: int) -> Insight:
        """Make an earlier version current again, as a new version (so the rollback can be undone)."""
        with self.transaction():
            history = {v.version: v for v in self.versions(insight_id)}
            if version not in history:
                raise LibraryError(
                    f"insight {insight_id!r} has no version {version}; "
                    f"versions are {sorted(history)}"
                )
            current = self.get(insight_id)
            restored = history[version].insight.model_copy(update={"version": current.version})
            return self.update(restored, reason=f"rollback to version {version}")

    def _write_version(
        self, conn: sqlite3.Connection, insight: Insight, reason: str, new: bool
    ) -> None:
        now = utc_now()
        created = insight.created_at if new else self.get(insight.id).created_at
        updated = insight.updated_at if new else now
        data = json.dumps(insight.content(), ensure_ascii=False)
        if new:
            conn.execute(
                "INSERT INTO insights VALUES (?, ?, ?, ?, ?, ?, ?)",
                (insight.id, 1, insight.status, insight.taxonomy.track, data, created, updated),
            )
        else:
            conn.execute(
                "UPDATE insights SET version = ?, status = ?, track = ?, data = ?, updated_at = ? "
                "WHERE id = ?",
                (insight.version, insight.status, insight.taxonomy.track, data, now, insight.id),
            )
        conn.execute(
            "INSERT INTO insight_versions VALUES (?, ?, ?, ?, ?)",
            (insight.id, insight.version, data, reason, now),
        )

    # --- first-stage search ----------------------------------------------------------------------
    def lexical_index(self) -> tuple[LexicalIndex, dict[str, Insight]]:
        """The BM25 index over active insights and a snapshot of them, rebuilt only after changes."""
        revision = self.revision()
        if self._index is None or self._index[0] != revision:
            active = self.insights()
            index = LexicalIndex((i.id, i.search_text()) for i in active)
            self._index = (revision, index, {i.id: i for i in active})
        return self._index[1], self._index[2]

    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """Active insights whose text best matches ``text`` (lexical, no LLM), best first."""
        index, _ = self.lexical_index()
        hits = index.top(text, k)
        current = {i.id: i for i in self.get_many(i for i, _ in hits)}
        return [SearchHit(current[i], score) for i, score in hits if i in current]

    # --- retrieval log, problems, learning runs --------------------------------------------------
    def log_retrievals(self, records: Sequence[logbook.RetrievalRecord]) -> list[int]:
        """Append retrieval records in one transaction; returns their log ids."""
        with self.transaction() as conn:
            return logbook.insert_records(conn, records)

    def record_outcome(
        self,
        log_id: int,
        *,
        correct: bool,
        baseline_correct: bool | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record whether the attempt that used a logged retrieval was right (updates statistics).

        ``baseline_correct`` (the same problem without insights), when known, lets the statistics tell
        helped / hurt / irrelevant apart.
        """
        with self.transaction() as conn:
            if not logbook.set_outcome(conn, log_id, correct, baseline_correct, detail):
                raise LibraryError(f"no retrieval with log id {log_id} in {self.path}")

    def retrieval_records(
        self,
        *,
        problem_ids: Iterable[str] | None = None,
        run_tag: str | None = None,
        with_outcome: bool = False,
    ) -> list[logbook.RetrievalRecord]:
        with self._lock:
            return logbook.select_records(
                self._conn, problem_ids=problem_ids, run_tag=run_tag, with_outcome=with_outcome
            )

    def remember_problems(self, problems: Iterable[Problem]) -> None:
        """Keep problem texts and answers so merges and refinements can re-run them later."""
        with self.transaction() as conn:
            logbook.upsert_problems(conn, problems)

    def problems(self, problem_ids: Iterable[str]) -> dict[str, Problem]:
        with self._lock:
            return logbook.select_problems(self._conn, problem_ids)

    def mark_done(self, run_name: str, results: Mapping[str, Mapping[str, Any]]) -> None:
        with self.transaction() as conn:
            logbook.mark_done(conn, run_name, results)

    def done_problems(self, run_name: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return logbook.done_results(self._conn, run_name)

    def flagged_for_audit(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Problems whose learning diagnosis found no modeling mistake: ``(run, problem id, audit)``."""
        with self._lock:
            return logbook.flagged_for_audit(self._conn)

    # --- exchange and summary --------------------------------------------------------------------
    def export_to(self, path: str | Path, *, include_retired: bool = False) -> int:
        """Write the library to YAML (.yaml/.yml) or JSON; returns the number of insights written."""
        from .exchange import export_library

        return export_library(self, path, include_retired=include_retired)

    def import_from(
        self, path: str | Path, *, on_conflict: Literal["update", "skip", "error"] = "update"
    ) -> ImportReport:
        """Read a YAML/JSON library into this one, all or nothing (see :func:`import_library`)."""
        from .exchange import import_library

        return import_library(self, path, on_conflict=on_conflict)

    def stats(self, *, top: int = 5) -> LibraryStats:
        """Counts for ``optmodel library stats``."""
        everything = self.insights(include_retired=True)
        active = [i for i in everything if i.status == "active"]
        with self._lock:
            conn = self._conn

            def scalar(sql: str) -> int:
                return int(conn.execute(sql).fetchone()[0] or 0)

            versions = scalar("SELECT COUNT(*) FROM insight_versions")
            logged = scalar("SELECT COUNT(*) FROM retrieval_log")
            outcomes = scalar("SELECT COUNT(*) FROM retrieval_log WHERE outcome IS NOT NULL")
            correct = scalar("SELECT COUNT(*) FROM retrieval_log WHERE outcome = 'correct'")
            fallbacks = scalar("SELECT COUNT(*) FROM retrieval_log WHERE method='lexical-fallback'")
            done = scalar("SELECT COUNT(*) FROM learning_runs")
        by_help = sorted(active, key=lambda i: -i.stats.helped)
        by_hurt = sorted(active, key=lambda i: -i.stats.hurt)
        return LibraryStats(
            path=self.path,
            schema_version=self.schema_version(),
            insights_active=len(active),
            insights_retired=len(everything) - len(active),
            versions_total=versions,
            by_track=dict(Counter(i.taxonomy.track for i in active)),
            by_origin=dict(Counter(i.provenance.origin for i in active)),
            retrievals_logged=logged,
            outcomes_recorded=outcomes,
            outcomes_correct=correct,
            llm_check_fallbacks=fallbacks,
            learning_problems_done=done,
            most_helpful=[(i.id, i.stats.helped) for i in by_help[:top] if i.stats.helped],
            most_harmful=[(i.id, i.stats.hurt) for i in by_hurt[:top] if i.stats.hurt],
        )
