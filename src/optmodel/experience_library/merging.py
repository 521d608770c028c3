"""Merging near-duplicate insights: lexical similarity finds pairs, an LLM writes the merged insight, and
the merge is kept only if the merged insight still solves every known source problem of both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .calls import attempt_checked, complete_checked
from .insight import Insight, Provenance
from .prompts import merge_prompt
from .protocols import Completer, FormulateAttempt, Problem, VerifyTask
from .responses import parse_candidate_insights
from .store import InsightStore


@dataclass
class MergeReport:
    """Pairs found, merges kept (new id -> the ids it replaced) and why others were not."""

    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    kept: dict[str, list[str]] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # "a+b" -> reason


def find_duplicate_pairs(
    store: InsightStore, insight_ids: Sequence[str], threshold: float
) -> list[tuple[str, str, float]]:
    """For each of ``insight_ids``, its most similar other active insight when similarity >= threshold.

    Each insight takes part in at most one pair per round.
    """
    index, snapshot = store.lexical_index()
    paired: set[str] = set()
    pairs = []
    for insight_id in insight_ids:
        if insight_id in paired or insight_id not in snapshot:
            continue
        best = index.similar(snapshot[insight_id].search_text(), 1, exclude=[insight_id, *paired])
        if best and best[0][1] >= threshold:
            other, similarity = best[0]
            pairs.append((insight_id, other, similarity))
            paired.update((insight_id, other))
    return pairs


def merge_near_duplicates(
    store: InsightStore,
    insight_ids: Sequence[str],
    formulate: FormulateAttempt,
    complete: Completer,
    *,
    threshold: float = 0.55,
    model: str = "",
    extra_problems: Sequence[Problem] = (),
) -> MergeReport:
    """Merge each of ``insight_ids`` with its nearest duplicate, when the merged insight verifies.

    Verification re-formulates every known source problem of both insights (texts remembered by the store,
    or given in ``extra_problems``) with only the merged insight injected; all must come out correct.
    A kept merge adds the merged insight and retires both sources (versioned; roll back to undo).
    """
    report = MergeReport(pairs=find_duplicate_pairs(store, insight_ids, threshold))
    if not report.pairs:
        return report
    sources = {p[0]: store.get(p[0]) for p in report.pairs} | {
        p[1]: store.get(p[1]) for p in report.pairs
    }
    answers = complete_checked(
        complete, [merge_prompt([sources[a], sources[b]]) for a, b, _ in report.pairs]
    )
    known = {p.id: p for p in extra_problems}
    merged: list[tuple[str, str, Insight, list[Problem]]] = []
    for (a, b, _), answer in zip(report.pairs, answers, strict=True):
        key = f"{a}+{b}"
        problem_ids = list(
            dict.fromkeys(
                sources[a].provenance.source_problems + sources[b].provenance.source_problems
            )
        )
        remembered = store.problems(i for i in problem_ids if i not in known)
        problems = [
            known.get(i) or remembered[i] for i in problem_ids if i in known or i in remembered
        ]
        provenance = Provenance(origin="merged", source_problems=problem_ids, model=model)
        candidates, reasons = parse_candidate_insights(
            answer, defaults={"provenance": provenance.model_dump(), "merged_from": [a, b]}
        )
        if not candidates:
            report.rejected[key] = "unusable merge answer: " + "; ".join(reasons)
        elif not problems:
            report.rejected[key] = "no known source problem to verify the merge on"
        else:
            merged.append((a, b, candidates[0], problems))
    tasks = [
        VerifyTask(p, (insight,), "merge") for _, _, insight, problems in merged for p in problems
    ]
    outcomes = iter(attempt_checked(formulate, tasks))
    for a, b, insight, problems in merged:
        results = [next(outcomes) for _ in problems]
        failed = [p.id for p, r in zip(problems, results, strict=True) if not r.correct]
        if failed:
            report.rejected[f"{a}+{b}"] = f"merged insight failed on {failed}"
            continue
        with store.transaction():
            store.add(insight, reason=f"merged from {a} and {b} (verified on {len(problems)})")
            for source in (a, b):
                store.retire(source, reason=f"merged into {insight.id}", superseded_by=insight.id)
        report.kept[insight.id] = [a, b]
    return report
