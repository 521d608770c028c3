"""Wiring the experience library to real LLM providers and the formulator.

The library itself never imports an LLM or the formulator (it sits below them); this module, at the pipeline
layer, turns a provider into the library's batched ``Completer``, the formulator into its ``FormulateAttempt``,
and a library into the formulator's ``InsightSource``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from optmodel.errors import LLMError
from optmodel.experience_library import (
    AttemptOutcome,
    Completer,
    FormulateAttempt,
    InsightStore,
    VerifyTask,
    format_for_prompt,
    retrieve,
)
from optmodel.experience_library import Problem as LibraryProblem
from optmodel.experience_library.near_duplicates import near_duplicates
from optmodel.llm.formulator import (
    FormulationResult,
    Formulator,
    FormulatorConfig,
    InsightContext,
    Problem,
)
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.types import ChatMessage, CompletionRequest


def completer_for(provider: LLMProvider, max_tokens: int = 2048) -> Completer:
    """The library's batched text completion, served by ``provider`` (one batch per call)."""

    def complete(prompts: Sequence[str]) -> list[str]:
        requests = [
            CompletionRequest(
                messages=(ChatMessage("user", p),), max_tokens=max_tokens, request_id=f"library/{i}"
            )
            for i, p in enumerate(prompts)
        ]
        responses = provider.complete(requests)
        failed = [r.error for r in responses if r.error]
        if failed:
            raise LLMError(f"{len(failed)} library request(s) failed: {failed[0]}")
        return [r.text for r in responses]

    return complete


class LibraryInsightSource:
    """Insights for each problem: lexical shortlist, then (with a provider) the LLM applicability check.

    Insights learned from a problem are never shown for that problem, nor for one the dataset names as the
    same (``related_ids``) or whose text is a near-duplicate of a source problem's text (word 3-gram overlap,
    :mod:`~optmodel.experience_library.near_duplicates`), so a benchmark that scores it is not shown its own
    answer. After scoring, :meth:`record_outcome` tells the library whether
    the retrieved insights went with a right answer; that evidence is what ``optmodel library refine`` uses.
    """

    def __init__(
        self,
        library: str | Path | InsightStore,
        provider: LLMProvider | None,
        k: int = 4,
        run_tag: str = "",
        shortlist_by: Literal["lexical", "taxonomy"] = "lexical",
    ) -> None:
        self.store = library if isinstance(library, InsightStore) else InsightStore(library)
        self.complete = completer_for(provider) if provider is not None else None
        self.k = k
        self.run_tag = run_tag
        self.shortlist_by = shortlist_by
        self._log_ids: dict[str, int] = {}

    def __call__(self, problems: Sequence[Problem]) -> list[InsightContext]:
        retrievals = retrieve(
            self.store,
            [LibraryProblem(p.id, p.text) for p in problems],
            complete=self.complete,
            k=self.k,
            run_tag=self.run_tag,
            shortlist_by=self.shortlist_by,
        )
        contexts = []
        for problem, retrieval in zip(problems, retrievals, strict=True):
            hidden = {problem.id, *problem.related_ids}
            sources = {s for i in retrieval.insights for s in i.provenance.source_problems}
            source_texts = {pid: p.text for pid, p in self.store.problems(sources - hidden).items()}
            hidden |= near_duplicates(problem.text, source_texts)
            usable = [
                i for i in retrieval.insights if not hidden & set(i.provenance.source_problems)
            ]
            if retrieval.log_id is not None:
                self._log_ids[problem.id] = retrieval.log_id
            contexts.append(InsightContext(format_for_prompt(usable), tuple(i.id for i in usable)))
        return contexts

    def record_outcome(self, problem: LibraryProblem, correct: bool) -> None:
        """Remember the problem (text and answer) and whether its retrieved insights went with a right answer."""
        log_id = self._log_ids.get(problem.id)
        if log_id is None:
            return
        self.store.remember_problems([problem])
        self.store.record_outcome(log_id, correct=correct)


def formulate_attempt_for(
    provider: LLMProvider, config: FormulatorConfig | None = None, tolerance: float = 1e-4
) -> FormulateAttempt:
    """The library's ``FormulateAttempt``: formulate each task's problem with exactly its insights injected.

    Correctness uses the strict rule: |objective - answer| <= tolerance * max(1, |answer|), and an infeasible
    or unbounded answer must be matched by the same finding.
    """
    config = config or FormulatorConfig()

    def attempt(tasks: Sequence[VerifyTask]) -> list[AttemptOutcome]:
        # Each task gets its own id: the same problem may be tried with several candidate insights at once.
        problems = [Problem(f"{t.problem.id}#{n}", t.problem.text) for n, t in enumerate(tasks)]
        by_id = {p.id: t for p, t in zip(problems, tasks, strict=True)}

        def insights(problems: Sequence[Problem]) -> list[InsightContext]:
            return [
                InsightContext(
                    format_for_prompt(by_id[p.id].insights),
                    tuple(i.id for i in by_id[p.id].insights),
                )
                for p in problems
            ]

        formulator = Formulator(provider, replace(config), insights=insights)
        results = formulator.formulate_many(problems)
        return [
            _outcome(task, result, tolerance) for task, result in zip(tasks, results, strict=True)
        ]

    return attempt


def _outcome(task: VerifyTask, result: FormulationResult, tolerance: float) -> AttemptOutcome:
    solve = result.result
    status = solve.status.value if solve else "error"
    objective = solve.objective if solve else None
    expected = task.problem
    if expected.answer_status in ("infeasible", "unbounded"):
        correct = status in ("infeasible", "unbounded", "no_solution")
    elif expected.answer is None or objective is None or not (solve and solve.has_solution):
        correct = False
    else:
        correct = abs(objective - expected.answer) <= tolerance * max(1.0, abs(expected.answer))
    feedback = "\n".join(a.feedback for a in result.attempts if a.feedback)
    return AttemptOutcome(
        correct=correct,
        status=status,
        objective=objective,
        formulation_json=result.formulation.to_json() if result.formulation else None,
        feedback=feedback or result.reason,
    )
