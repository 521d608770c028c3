"""Schema migrations for the library database: an append-only list, applied in order, each recorded.

Never edit or reorder a migration that has shipped; add a new one at the end. Each runs in its own
transaction together with its row in ``schema_migrations``, so a crash leaves the database at a clean step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from optmodel.errors import LibraryError

from .insight import utc_now

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _m001_insights(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE insights (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            track TEXT NOT NULL,
            data TEXT NOT NULL,          -- Insight.content() as JSON
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)"""
    )
    conn.execute(
        """CREATE TABLE insight_versions (
            insight_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            data TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (insight_id, version))"""
    )
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('revision', '0')")


def _m002_retrieval_log(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE insight_stats (
            insight_id TEXT PRIMARY KEY,
            retrieved INTEGER NOT NULL DEFAULT 0,
            selected INTEGER NOT NULL DEFAULT 0,
            helped INTEGER NOT NULL DEFAULT 0,
            hurt INTEGER NOT NULL DEFAULT 0,
            irrelevant INTEGER NOT NULL DEFAULT 0)"""
    )
    conn.execute("INSERT INTO insight_stats (insight_id) SELECT id FROM insights")
    conn.execute(
        """CREATE TABLE retrieval_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            problem_id TEXT NOT NULL,
            run_tag TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            shortlisted TEXT NOT NULL,   -- JSON [[insight_id, score], ...], best first
            selected TEXT NOT NULL,      -- JSON [insight_id, ...]
            method TEXT NOT NULL,        -- 'llm' | 'lexical' | 'lexical-fallback'
            note TEXT NOT NULL DEFAULT '',
            outcome TEXT,                -- NULL until record_outcome: 'correct' | 'wrong'
            baseline_correct INTEGER,
            outcome_detail TEXT)"""
    )
    conn.execute("CREATE INDEX retrieval_log_problem ON retrieval_log (problem_id)")


def _m003_learning(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE problems (
            id TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            answer REAL,
            answer_status TEXT NOT NULL)"""
    )
    conn.execute(
        """CREATE TABLE learning_runs (
            run_name TEXT NOT NULL,
            problem_id TEXT NOT NULL,
            result TEXT NOT NULL,        -- JSON summary of what happened on this problem
            done_at TEXT NOT NULL,
            PRIMARY KEY (run_name, problem_id))"""
    )


#: The migrations, in order. Append only.
MIGRATIONS: list[Migration] = [
    ("insights and versions", _m001_insights),
    ("retrieval log and insight statistics", _m002_retrieval_log),
    ("problems and resumable learning runs", _m003_learning),
]


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to this database (0 for a new file)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def apply_migrations(conn: sqlite3.Connection, *, upto: int | None = None) -> list[str]:
    """Bring the schema up to date (or up to migration ``upto``); returns the names applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``); each migration is one IMMEDIATE
    transaction, so two processes opening an old database at once apply each step exactly once.
    """
    target = len(MIGRATIONS) if upto is None else upto
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise LibraryError(
            f"the library database has schema version {current}, newer than this optmodel "
            f"understands ({len(MIGRATIONS)}); upgrade optmodel to open it"
        )
    applied: list[str] = []
    for number in range(current + 1, target + 1):
        name, migrate = MIGRATIONS[number - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it while we waited for the write lock.
            if schema_version(conn) >= number:
                conn.execute("COMMIT")
                continue
            migrate(conn)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, utc_now())
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
