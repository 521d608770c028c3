"""Learning insights from failures, solver-verified (AlphaOPT's library learning).

For each training problem with a known answer: formulate with the current retrieval; if the answer is wrong,
ask the LLM to diagnose the attempt (with the solver's feedback and the known answer) and propose reusable
insights; keep a candidate only if re-formulating the same problem with it injected reaches the known
answer, and re-formulating the problems of the batch that were already right and that it would most likely
be retrieved for (BM25 of its text against theirs) keeps them right; then merge near-duplicates
(re-verified). The second check is what stops an insight learned from one problem's particular reading from
being kept as a general rule. Every stage is one batched call over the whole batch of
problems, and a run is resumable: finished problems are recorded under ``run_name`` and skipped next time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .calls import attempt_checked, complete_checked
from .insight import Insight
from .lexical import LexicalIndex
from .merging import merge_near_duplicates
from .prompts import correction_prompt, diagnosis_prompt
from .protocols import Completer, FormulateAttempt, Problem, VerifyTask
from .responses import NO_JSON_INSIGHT, AuditFlag, parse_audit_flag, parse_candidate_insights
from .retrieval import Retriever
from .store import InsightStore


@dataclass
class LearnReport:
    """Counts and per-problem results of one :func:`learn` call."""

    problems_total: int = 0
    skipped_done: int = 0
    skipped_no_answer: int = 0
    attempted: int = 0
    initially_correct: int = 0
    candidates_proposed: int = 0
    candidates_invalid: int = 0
    candidates_verified: int = 0
    candidates_rejected: int = 0
    candidates_regressed: int = 0
    """Verified on their source problem but broke an already-right problem of the batch."""
    flagged_for_audit: dict[str, AuditFlag] = field(default_factory=dict)
    """Failures whose diagnosis found no modeling mistake (data missing, known answer doubtful): no insight
    is learned from them, since one verified against a doubtful answer would teach the wrong thing."""
    merges_kept: int = 0
    merges_rejected: int = 0
    added: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    per_problem: dict[str, dict[str, Any]] = field(default_factory=dict)
    elapsed_s: float = 0.0


def learn(
    problems: Sequence[Problem],
    store: InsightStore,
    formulate: FormulateAttempt,
    complete: Completer,
    *,
    run_name: str = "default",
    model: str = "",
    k: int = 4,
    shortlist_size: int = 12,
    max_candidates: int = 2,
    regression_checks: int = 3,
    merge_threshold: float | None = 0.55,
    batch_size: int = 32,
    atomic_batches: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LearnReport:
    """Learn verified insights from ``problems`` into ``store``; see the module docstring.

    ``model`` names the LLM in each insight's provenance; ``max_candidates`` bounds the insights asked for
    per failure; ``regression_checks`` already-right problems (0 to skip) are re-formulated with each
    verified candidate; ``merge_threshold`` (TF-IDF cosine, None to skip merging) finds near-duplicates;
    ``batch_size`` problems go through each stage together, and each finished batch is recorded.
    With ``atomic_batches`` a batch's every write (retrieval log, insights, merges, done marks) commits
    together or not at all: an LLM that answers by replay (the batch-file provider raises
    :class:`~optmodel.errors.PendingBatchError` until its files are answered) then reruns a batch from the
    same library state each round, so nothing is logged or added twice. It holds the library's write lock
    while the batch runs, so leave it off for live providers shared by several learners.
    """
    if batch_size < 1 or max_candidates < 1 or regression_checks < 0:
        raise ValueError(
            "batch_size and max_candidates must be at least 1, regression_checks at least 0"
        )
    started = time.perf_counter()
    report = LearnReport(problems_total=len(problems))
    done = store.done_problems(run_name)
    pending = []
    for problem in dict((p.id, p) for p in problems).values():
        if problem.id in done:
            report.skipped_done += 1
        elif not problem.has_known_answer:
            report.skipped_no_answer += 1
        else:
            pending.append(problem)
    retriever = Retriever(
        store, complete=complete, k=k, shortlist_size=shortlist_size, run_tag=f"learn:{run_name}"
    )
    learner = _Learner(
        store, formulate, complete, retriever, report, run_name, model, max_candidates,
        regression_checks, merge_threshold,
    )  # fmt: skip
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        if progress:
            progress(f"learning: problems {start + 1}-{start + len(batch)} of {len(pending)}")
        try:
            if atomic_batches:
                with store.transaction():
                    learner.learn_batch(batch)
            else:
                learner.learn_batch(batch)
        finally:
            report.elapsed_s = time.perf_counter() - started
    return report


@dataclass
class _Learner:
    store: InsightStore
    formulate: FormulateAttempt
    complete: Completer
    retriever: Retriever
    report: LearnReport
    run_name: str
    model: str
    max_candidates: int
    regression_checks: int
    merge_threshold: float | None

    def learn_batch(self, batch: Sequence[Problem]) -> None:
        store, formulate, complete, report = self.store, self.formulate, self.complete, self.report
        model, max_candidates = self.model, self.max_candidates
        store.remember_problems(batch)
        results: dict[str, dict[str, Any]] = {p.id: {} for p in batch}

        # 1. Attempt every problem with what the library retrieves today.
        retrievals = self.retriever.retrieve(batch)
        outcomes = attempt_checked(
            formulate,
            [VerifyTask(p, r.insights, "attempt") for p, r in zip(batch, retrievals, strict=True)],
        )
        report.attempted += len(batch)
        failed = []
        already_right: list[tuple[Problem, tuple[Insight, ...]]] = []
        for problem, retrieval, outcome in zip(batch, retrievals, outcomes, strict=True):
            if retrieval.log_id is not None:
                store.record_outcome(
                    retrieval.log_id,
                    correct=outcome.correct,
                    detail={
                        "status": outcome.status,
                        "objective": outcome.objective,
                        "purpose": "learn",
                    },
                )
            results[problem.id]["initially_correct"] = outcome.correct
            results[problem.id]["retrieved"] = [i.id for i in retrieval.insights]
            if outcome.correct:
                report.initially_correct += 1
                already_right.append((problem, tuple(retrieval.insights)))
            else:
                failed.append((problem, retrieval.insights, outcome))

        # 2. Diagnose each failure: one prompt per failed problem, one batched call; an answer whose
        #    insights are all invalid gets one correction turn with the reasons (a second batched call).
        #    A diagnosis that flags the problem for audit yields no candidates, whatever else it says.
        prompts = [diagnosis_prompt(p, o, used, max_candidates) for p, used, o in failed]
        answers = complete_checked(complete, prompts)
        parsed: list[tuple[list[Insight], list[str]]] = []
        for (problem, _, _), answer in zip(failed, answers, strict=True):
            audit = parse_audit_flag(answer)
            if audit is None:
                parsed.append(
                    parse_candidate_insights(answer, defaults=_learned_from(problem, model))
                )
            else:
                report.flagged_for_audit[problem.id] = audit
                results[problem.id]["audit"] = {"kind": audit.kind, "reason": audit.reason}
                parsed.append(([], []))
        retry = [
            n
            for n, (valid, invalid) in enumerate(parsed)
            if not valid and invalid and invalid != [NO_JSON_INSIGHT]
        ]
        corrected = complete_checked(
            complete, [correction_prompt(prompts[n], answers[n], parsed[n][1]) for n in retry]
        )
        for n, answer in zip(retry, corrected, strict=True):
            report.candidates_proposed += len(parsed[n][1])
            report.candidates_invalid += len(parsed[n][1])
            results[failed[n][0].id]["first_answer_invalid"] = parsed[n][1]
            parsed[n] = parse_candidate_insights(
                answer, defaults=_learned_from(failed[n][0], model)
            )
        candidates: list[tuple[Problem, Insight]] = []
        for (problem, _, _), (valid, invalid) in zip(failed, parsed, strict=True):
            valid = valid[:max_candidates]
            report.candidates_proposed += len(valid) + len(invalid)
            report.candidates_invalid += len(invalid)
            results[problem.id]["invalid_candidates"] = invalid
            candidates += [(problem, insight) for insight in valid]

        # 3. Verify: the same problem, re-formulated with only the candidate, must reach the known answer.
        verdicts = attempt_checked(
            formulate, [VerifyTask(p, (insight,), "verify") for p, insight in candidates]
        )
        verified: list[Insight] = []
        for (problem, insight), verdict in zip(candidates, verdicts, strict=True):
            if verdict.correct:
                verified.append(insight)
            else:
                results[problem.id].setdefault("rejected", []).append(insight.title)
        verified = self._without_regressions(verified, already_right, results)
        for insight in verified:
            source = insight.provenance.source_problems[0]
            results[source].setdefault("verified", []).append(insight.id)
        report.candidates_verified += len(verified)
        report.candidates_rejected += len(candidates) - len(verified)
        if verified:
            store.add_many(verified, reason="learned (verified on its source problem)")
            report.added += [i.id for i in verified]

        # 4. Merge near-duplicates among the new insights and the library.
        if verified and self.merge_threshold is not None:
            merges = merge_near_duplicates(
                store,
                [i.id for i in verified],
                formulate,
                complete,
                threshold=self.merge_threshold,
                model=model,
                extra_problems=batch,
            )
            report.merges_kept += len(merges.kept)
            report.merges_rejected += len(merges.rejected)
            for new_id, sources in merges.kept.items():
                report.added.append(new_id)
                report.retired += sources
        store.mark_done(self.run_name, results)
        report.per_problem.update(results)

    def _without_regressions(
        self,
        verified: list[Insight],
        already_right: list[tuple[Problem, tuple[Insight, ...]]],
        results: dict[str, dict[str, Any]],
    ) -> list[Insight]:
        """The candidates that keep right every already-right problem they would most likely be used on.

        Each such problem is re-formulated with what it was given plus the candidate, all in one batched
        call; a candidate that turns one of them wrong is dropped and recorded under its source problem.
        """
        if not verified or not already_right or self.regression_checks == 0:
            return verified
        index = LexicalIndex((p.id, p.text) for p, _ in already_right)
        given = {p.id: (p, insights) for p, insights in already_right}
        checks: list[tuple[Insight, Problem]] = []
        tasks: list[VerifyTask] = []
        for insight in verified:
            for pid, _ in index.top(insight.search_text(), self.regression_checks):
                problem, insights = given[pid]
                checks.append((insight, problem))
                tasks.append(VerifyTask(problem, (*insights, insight), "regression"))
        broke: dict[str, list[str]] = {}
        for (insight, problem), outcome in zip(
            checks, attempt_checked(self.formulate, tasks), strict=True
        ):
            if not outcome.correct:
                broke.setdefault(insight.id, []).append(problem.id)
        for insight in verified:
            if insight.id in broke:
                source = insight.provenance.source_problems[0]
                results[source].setdefault("regressed", []).append(
                    {"insight": insight.title, "broke": broke[insight.id]}
                )
        self.report.candidates_regressed += len(broke)
        return [i for i in verified if i.id not in broke]


def _learned_from(problem: Problem, model: str) -> dict[str, Any]:
    """The fields a learned insight gets from where it was learned (not asked of the LLM)."""
    return {"provenance": {"origin": "learned", "source_problems": [problem.id], "model": model}}
