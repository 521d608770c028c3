"""Library evolution: rewrite an insight's applicability condition where the evidence says it is wrong.

From the recorded outcomes (the latest logged retrieval of each problem) the evidence for an insight is:

- *kept*: it was used and the answer was right;
- *blocked*: it was used, the answer was wrong, and without it the answer is right (known baseline, or
  re-formulated to check) — the condition should have excluded this problem;
- *recovered*: it was not used, the answer was wrong, and with it the answer is right (checked by
  re-formulating) — the condition should have matched.

Insights with blocked or recovered problems get ``n_rewrites`` candidate conditions from the LLM. The current
condition and each candidate are scored by re-running the applicability check on the affected problems:
score = kept still selected + blocked now rejected + recovered now selected. A candidate replaces the
condition only if it scores strictly higher; the change is a new version (roll back to undo).

A *learned* insight (one with source problems) that still selects a blocked problem under its final
condition is retired: it breaks a problem it is retrieved for, and a library insight must not. Starter
insights are curated by hand and are only rewritten, never retired, on this evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .calls import attempt_checked, complete_checked
from .insight import Insight
from .logbook import RetrievalRecord
from .prompts import rewrite_prompt
from .protocols import Completer, FormulateAttempt, Problem, VerifyTask
from .responses import parse_condition_rewrites
from .retrieval import check_applicability
from .store import InsightStore


@dataclass
class Evidence:
    """Problem ids by what the insight's condition should do with them."""

    kept: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    @property
    def needs_refinement(self) -> bool:
        return bool(self.blocked or self.recovered)


@dataclass
class RefinementResult:
    """What refinement did with one insight."""

    insight_id: str
    evidence: Evidence
    current_score: int = 0
    candidates: list[tuple[str, str, int]] = field(default_factory=list)  # (applies, not, score)
    accepted: bool = False
    new_version: int | None = None
    retired: bool = False
    reason: str = ""


@dataclass
class RefineReport:
    results: list[RefinementResult] = field(default_factory=list)

    @property
    def improved(self) -> list[str]:
        return [r.insight_id for r in self.results if r.accepted]

    @property
    def retired(self) -> list[str]:
        return [r.insight_id for r in self.results if r.retired]


def _latest_per_problem(records: Sequence[RetrievalRecord]) -> dict[str, RetrievalRecord]:
    latest: dict[str, RetrievalRecord] = {}
    for record in sorted(records, key=lambda r: r.log_id):
        if record.outcome is not None:
            latest[record.problem_id] = record
    return latest


def refine(
    store: InsightStore,
    formulate: FormulateAttempt,
    complete: Completer,
    *,
    outcomes: Sequence[RetrievalRecord] | None = None,
    insight_ids: Sequence[str] | None = None,
    problems: Sequence[Problem] = (),
    n_rewrites: int = 3,
    k: int = 4,
    max_problems: int = 8,
) -> RefineReport:
    """Refine applicability conditions from recorded outcomes; see the module docstring.

    ``outcomes`` defaults to every retrieval in the store with a recorded outcome; problem texts come from
    the store (remembered while learning) or ``problems``; ``max_problems`` caps each evidence list.
    """
    latest = _latest_per_problem(
        store.retrieval_records(with_outcome=True) if outcomes is None else outcomes
    )
    texts = store.problems(latest) | {p.id: p for p in problems}
    latest = {pid: r for pid, r in latest.items() if pid in texts}
    targets = store.insights() if insight_ids is None else store.get_many(insight_ids)
    report = RefineReport()

    # 1. Evidence, with the re-formulations it needs done in one batched call.
    tasks: list[VerifyTask] = []
    pending: list[tuple[Evidence, str, str]] = []  # (evidence, list name, problem id) per task
    evidence: dict[str, Evidence] = {}
    for insight in targets:
        found = evidence[insight.id] = Evidence()
        to_check = {"blocked": 0, "recovered": 0}
        for pid, record in latest.items():
            used = insight.id in record.selected
            wrong = record.outcome == "wrong"
            if used and not wrong:
                if len(found.kept) < max_problems:
                    found.kept.append(pid)
            elif used and record.baseline_correct is True:
                if len(found.blocked) < max_problems:
                    found.blocked.append(pid)
            elif used and record.baseline_correct is None:
                if to_check["blocked"] < max_problems:
                    to_check["blocked"] += 1
                    others = tuple(i for i in store.get_many(record.selected) if i.id != insight.id)
                    tasks.append(VerifyTask(texts[pid], others, "refine"))
                    pending.append((found, "blocked", pid))
            elif (
                not used
                and wrong
                and to_check["recovered"] < max_problems
                and (
                    insight.id in record.shortlisted_ids
                    or pid in insight.provenance.source_problems
                )
            ):
                to_check["recovered"] += 1
                with_it = (*store.get_many(record.selected), insight)
                tasks.append(VerifyTask(texts[pid], with_it, "refine"))
                pending.append((found, "recovered", pid))
    for (found, name, pid), outcome in zip(pending, attempt_checked(formulate, tasks), strict=True):
        bucket: list[str] = getattr(found, name)
        if outcome.correct and len(bucket) < max_problems:
            bucket.append(pid)

    # 2. Candidate conditions for the insights the evidence says are mis-scoped.
    to_refine = [i for i in targets if evidence[i.id].needs_refinement]
    report.results = [
        RefinementResult(i.id, evidence[i.id], reason="no wrong use or miss to fix")
        for i in targets
        if not evidence[i.id].needs_refinement
    ]
    prompts = [
        rewrite_prompt(
            insight,
            kept=[texts[p] for p in evidence[insight.id].kept],
            blocked=[texts[p] for p in evidence[insight.id].blocked],
            recovered=[texts[p] for p in evidence[insight.id].recovered],
            n=n_rewrites,
        )
        for insight in to_refine
    ]
    rewrites = [
        parse_condition_rewrites(a)[:n_rewrites] for a in complete_checked(complete, prompts)
    ]

    # 3. Score the current condition and every candidate with one batched applicability check.
    checks: list[tuple[Problem, list[Insight]]] = []
    keys: list[tuple[int, int, str]] = []  # (insight n, variant n, problem id)
    for n, insight in enumerate(to_refine):
        variants = [(insight.applies_when, insight.does_not_apply_when), *rewrites[n]]
        found = evidence[insight.id]
        for v, (applies, not_applies) in enumerate(variants):
            variant = insight.model_copy(
                update={"applies_when": applies, "does_not_apply_when": not_applies}
            )
            for pid in found.kept + found.blocked + found.recovered:
                rivals = [
                    i
                    for i in store.get_many(latest[pid].shortlisted_ids)
                    if i.id != insight.id and i.status == "active"
                ]
                checks.append((texts[pid], [*rivals, variant]))
                keys.append((n, v, pid))
    scores: dict[tuple[int, int], int] = {}
    still_blocked: dict[tuple[int, int], list[str]] = {}  # blocked problems a variant still selects
    for (n, v, pid), (selected, _) in zip(
        keys, check_applicability(complete, checks, k), strict=True
    ):
        insight_id = to_refine[n].id
        chosen = selected is not None and insight_id in selected[:k]
        found = evidence[insight_id]
        wanted = pid not in found.blocked
        scores[(n, v)] = scores.get((n, v), 0) + int(chosen == wanted and selected is not None)
        if chosen and not wanted:
            still_blocked.setdefault((n, v), []).append(pid)

    # 4. Keep a candidate only if it beats the current condition; retire a learned insight that still
    #    selects a problem it breaks.
    for n, insight in enumerate(to_refine):
        result = RefinementResult(insight.id, evidence[insight.id], scores.get((n, 0), 0))
        result.candidates = [
            (applies, not_applies, scores.get((n, v), 0))
            for v, (applies, not_applies) in enumerate(rewrites[n], start=1)
        ]
        final = max(range(1, len(rewrites[n]) + 1), key=lambda v: scores.get((n, v), 0), default=0)
        best = result.candidates[final - 1] if final else None
        if best is None:
            result.reason = "the LLM proposed no usable rewrite"
        elif best[2] <= result.current_score:
            final = 0
            result.reason = (
                f"no rewrite beat the current condition (best {best[2]} vs {result.current_score})"
            )
        else:
            updated = store.update(
                insight.model_copy(
                    update={
                        "applies_when": best[0],
                        "does_not_apply_when": best[1],
                        "refined_from": f"{insight.id}@{insight.version}",
                    }
                ),
                reason=f"refined condition: score {result.current_score} -> {best[2]}",
            )
            result.accepted, result.new_version = True, updated.version
            result.reason = f"score {result.current_score} -> {best[2]}"
        breaks = still_blocked.get((n, final), [])
        if breaks and insight.provenance.source_problems:
            store.retire(
                insight.id,
                reason=f"refine: still selected for {', '.join(breaks)}, which it breaks",
            )
            result.retired = True
            result.reason += f"; retired: still breaks {', '.join(breaks)}"
        report.results.append(result)
    return report
