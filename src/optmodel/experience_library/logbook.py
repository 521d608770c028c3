"""The retrieval log, problem texts and learning-run bookkeeping, as SQL over an open connection.

The store wraps these; they never open transactions themselves (the caller's transaction covers them).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .insight import utc_now
from .protocols import Problem

STAT_FIELDS = ("retrieved", "selected", "helped", "hurt", "irrelevant")


@dataclass(frozen=True)
class RetrievalRecord:
    """One logged retrieval for one problem, and (once recorded) what came of it."""

    problem_id: str
    shortlisted: tuple[tuple[str, float], ...]
    selected: tuple[str, ...]
    method: str
    note: str = ""
    run_tag: str = ""
    log_id: int = 0
    created_at: str = ""
    outcome: str | None = None  # 'correct' | 'wrong'
    baseline_correct: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def shortlisted_ids(self) -> tuple[str, ...]:
        return tuple(insight_id for insight_id, _ in self.shortlisted)


def bump_stats(conn: sqlite3.Connection, deltas: Mapping[str, Mapping[str, int]]) -> None:
    """Add ``deltas[insight_id][field]`` to the counters, atomically (no read-modify-write)."""
    for insight_id, delta in deltas.items():
        conn.execute("INSERT OR IGNORE INTO insight_stats (insight_id) VALUES (?)", (insight_id,))
        for name, amount in delta.items():
            if name not in STAT_FIELDS:
                raise ValueError(f"unknown statistic {name!r}")
            if amount:
                conn.execute(
                    f"UPDATE insight_stats SET {name} = MAX(0, {name} + ?) WHERE insight_id = ?",
                    (amount, insight_id),
                )


def insert_records(conn: sqlite3.Connection, records: Sequence[RetrievalRecord]) -> list[int]:
    """Append retrieval records; counts each shortlisted/selected insight. Returns the new log ids."""
    ids = []
    deltas: dict[str, dict[str, int]] = {}
    now = utc_now()
    for record in records:
        cursor = conn.execute(
            "INSERT INTO retrieval_log (problem_id, run_tag, created_at, shortlisted, selected, "
            "method, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record.problem_id,
                record.run_tag,
                now,
                json.dumps([[i, round(s, 6)] for i, s in record.shortlisted]),
                json.dumps(list(record.selected)),
                record.method,
                record.note,
            ),
        )
        ids.append(int(cursor.lastrowid or 0))
        for insight_id in record.shortlisted_ids:
            deltas.setdefault(insight_id, {}).setdefault("retrieved", 0)
            deltas[insight_id]["retrieved"] += 1
        for insight_id in record.selected:
            deltas.setdefault(insight_id, {}).setdefault("selected", 0)
            deltas[insight_id]["selected"] += 1
    bump_stats(conn, deltas)
    return ids


def _effect(correct: bool, baseline_correct: bool | None) -> str:
    if baseline_correct is None:
        return "helped" if correct else "hurt"
    if correct and not baseline_correct:
        return "helped"
    if baseline_correct and not correct:
        return "hurt"
    return "irrelevant"


def set_outcome(
    conn: sqlite3.Connection,
    log_id: int,
    correct: bool,
    baseline_correct: bool | None,
    detail: Mapping[str, Any] | None,
) -> bool:
    """Record the outcome of a logged retrieval; re-recording replaces the old one (counters adjusted).

    Returns False when ``log_id`` is unknown.
    """
    row = conn.execute(
        "SELECT selected, outcome, baseline_correct FROM retrieval_log WHERE id = ?", (log_id,)
    ).fetchone()
    if row is None:
        return False
    selected = json.loads(row[0])
    deltas: dict[str, dict[str, int]] = {i: {} for i in selected}
    if row[1] is not None:  # undo the previous recording's contribution
        old = _effect(row[1] == "correct", None if row[2] is None else bool(row[2]))
        for i in selected:
            deltas[i][old] = deltas[i].get(old, 0) - 1
    new = _effect(correct, baseline_correct)
    for i in selected:
        deltas[i][new] = deltas[i].get(new, 0) + 1
    conn.execute(
        "UPDATE retrieval_log SET outcome = ?, baseline_correct = ?, outcome_detail = ? WHERE id = ?",
        (
            "correct" if correct else "wrong",
            None if baseline_correct is None else int(baseline_correct),
            json.dumps(dict(detail or {}), default=str),
            log_id,
        ),
    )
    bump_stats(conn, deltas)
    return True


def select_records(
    conn: sqlite3.Connection,
    *,
    problem_ids: Iterable[str] | None = None,
    run_tag: str | None = None,
    with_outcome: bool = False,
) -> list[RetrievalRecord]:
    """Logged retrievals, oldest first, filtered as asked."""
    sql = (
        "SELECT id, problem_id, run_tag, created_at, shortlisted, selected, method, note, outcome, "
        "baseline_correct, outcome_detail FROM retrieval_log WHERE 1=1"
    )
    args: list[Any] = []
    if run_tag is not None:
        sql += " AND run_tag = ?"
        args.append(run_tag)
    if with_outcome:
        sql += " AND outcome IS NOT NULL"
    wanted = None if problem_ids is None else set(problem_ids)
    records = []
    for row in conn.execute(sql + " ORDER BY id", args):
        if wanted is not None and row[1] not in wanted:
            continue
        records.append(
            RetrievalRecord(
                log_id=row[0],
                problem_id=row[1],
                run_tag=row[2],
                created_at=row[3],
                shortlisted=tuple((i, float(s)) for i, s in json.loads(row[4])),
                selected=tuple(json.loads(row[5])),
                method=row[6],
                note=row[7],
                outcome=row[8],
                baseline_correct=None if row[9] is None else bool(row[9]),
                detail=json.loads(row[10]) if row[10] else {},
            )
        )
    return records


def upsert_problems(conn: sqlite3.Connection, problems: Iterable[Problem]) -> None:
    """Remember problem texts and answers so later merges and refinements can re-run them."""
    conn.executemany(
        "INSERT INTO problems VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "text = excluded.text, answer = excluded.answer, answer_status = excluded.answer_status",
        [(p.id, p.text, p.answer, p.answer_status) for p in problems],
    )


def select_problems(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Problem]:
    """The remembered problems among ``ids``."""
    found = {}
    for problem_id in dict.fromkeys(ids):
        row = conn.execute(
            "SELECT id, text, answer, answer_status FROM problems WHERE id = ?", (problem_id,)
        ).fetchone()
        if row is not None:
            found[row[0]] = Problem(id=row[0], text=row[1], answer=row[2], answer_status=row[3])
    return found


def mark_done(
    conn: sqlite3.Connection, run_name: str, results: Mapping[str, Mapping[str, Any]]
) -> None:
    """Record that a learning run finished these problems (with a JSON summary each)."""
    now = utc_now()
    conn.executemany(
        "INSERT OR REPLACE INTO learning_runs VALUES (?, ?, ?, ?)",
        [(run_name, pid, json.dumps(dict(r), default=str), now) for pid, r in results.items()],
    )


def done_results(conn: sqlite3.Connection, run_name: str) -> dict[str, dict[str, Any]]:
    """Problems a learning run has finished, with their summaries."""
    return {
        row[0]: json.loads(row[1])
        for row in conn.execute(
            "SELECT problem_id, result FROM learning_runs WHERE run_name = ?", (run_name,)
        )
    }


def flagged_for_audit(conn: sqlite3.Connection) -> list[tuple[str, str, dict[str, Any]]]:
    """``(run_name, problem_id, audit)`` for every problem a learning run's diagnosis flagged for audit."""
    flagged = []
    for run_name, pid, result in conn.execute(
        "SELECT run_name, problem_id, result FROM learning_runs WHERE result LIKE '%\"audit\"%' "
        "ORDER BY run_name, problem_id"
    ):
        audit = json.loads(result).get("audit")
        if isinstance(audit, dict):
            flagged.append((run_name, pid, audit))
    return flagged
