"""Retrieval in two stages: a shortlist, then an LLM applicability check per problem through the injected
Completer (one batched call for all problems).

The shortlist is lexical by default (BM25, optionally fused with injected embeddings). With
``shortlist_by="taxonomy"`` the LLM first picks the library's level-1 taxonomy labels that the problem
involves (as AlphaOPT matches problems to its taxonomy) and the shortlist is the insights under those labels,
best lexical match first; an unusable answer falls back to the lexical shortlist.

At most ``k`` insights reach the formulation prompt. Every retrieval is logged (problem id, shortlist with
scores, selection, method) so :meth:`InsightStore.record_outcome` can later attach what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .calls import complete_checked
from .insight import Insight
from .logbook import RetrievalRecord
from .prompts import applicability_prompt, format_for_prompt, taxonomy_prompt
from .protocols import Completer, Embedder, Problem
from .responses import parse_selected_ids
from .store import InsightStore


@dataclass(frozen=True)
class Retrieval:
    """What retrieval chose for one problem. ``prompt_text`` goes into the formulation prompt."""

    problem_id: str
    insights: tuple[Insight, ...]
    shortlisted: tuple[tuple[Insight, float], ...]
    method: (
        str  # 'llm' | 'lexical' | 'lexical-fallback', prefixed 'taxonomy+' for a taxonomy shortlist
    )
    note: str = ""
    log_id: int | None = None

    @property
    def prompt_text(self) -> str:
        return format_for_prompt(self.insights)


def check_applicability(
    complete: Completer, items: Sequence[tuple[Problem, Sequence[Insight]]], k: int
) -> list[tuple[list[str] | None, str]]:
    """For each (problem, candidates): the ids the LLM says apply (None if unparseable) and its answer."""
    prompts = [applicability_prompt(problem, candidates, k) for problem, candidates in items]
    answers = complete_checked(complete, prompts)
    return [
        (parse_selected_ids(answer, [c.id for c in candidates]), answer)
        for (_, candidates), answer in zip(items, answers, strict=True)
    ]


class Retriever:
    """Retrieves insights for problems from a store.

    ``complete`` enables the LLM applicability check (without it the top ``k`` lexical matches are used);
    ``embed`` adds dense similarity to the first stage (fused with BM25, weight ``embed_weight``).
    """

    def __init__(
        self,
        store: InsightStore,
        *,
        complete: Completer | None = None,
        embed: Embedder | None = None,
        k: int = 4,
        shortlist_size: int = 12,
        embed_weight: float = 1.0,
        log: bool = True,
        run_tag: str = "",
        shortlist_by: Literal["lexical", "taxonomy"] = "lexical",
    ) -> None:
        if k < 0 or shortlist_size < 1 or shortlist_size < k:
            raise ValueError("need 0 <= k <= shortlist_size and shortlist_size >= 1")
        if shortlist_by not in ("lexical", "taxonomy"):
            raise ValueError(f"shortlist_by must be 'lexical' or 'taxonomy', not {shortlist_by!r}")
        if shortlist_by == "taxonomy" and complete is None:
            raise ValueError("a taxonomy shortlist needs an LLM (complete)")
        self.store = store
        self.complete = complete
        self.embed = embed
        self.k = k
        self.shortlist_size = shortlist_size
        self.embed_weight = embed_weight
        self.log = log
        self.run_tag = run_tag
        self.shortlist_by = shortlist_by
        self._embedded: tuple[int, np.ndarray] | None = None

    def _insight_vectors(self, ids: list[str], snapshot: dict[str, Insight]) -> np.ndarray:
        assert self.embed is not None
        revision = self.store.revision()
        if self._embedded is None or self._embedded[0] != revision:
            vectors = np.asarray(self.embed([snapshot[i].search_text() for i in ids]), dtype=float)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self._embedded = (revision, vectors / np.where(norms > 0, norms, 1.0))
        return self._embedded[1]

    def shortlist(self, problems: Sequence[Problem]) -> list[list[tuple[Insight, float]]]:
        """First stage only: the best ``shortlist_size`` insights per problem with their scores."""
        index, snapshot = self.store.lexical_index()
        if not len(index):
            return [[] for _ in problems]
        if self.embed is None:
            return [
                [(snapshot[i], s) for i, s in index.top(p.text, self.shortlist_size)]
                for p in problems
            ]
        vectors = self._insight_vectors(index.ids, snapshot)
        queries = np.asarray(self.embed([p.text for p in problems]), dtype=float)
        queries /= np.where(
            (norms := np.linalg.norm(queries, axis=1, keepdims=True)) > 0, norms, 1.0
        )
        results = []
        for problem, query in zip(problems, queries, strict=True):
            lexical = index.scores(problem.text)
            peak = lexical.max()
            fused = (lexical / peak if peak > 0 else lexical) + self.embed_weight * (
                vectors @ query
            )
            best = np.argsort(-fused, kind="stable")[: self.shortlist_size]
            results.append([(snapshot[index.ids[n]], float(fused[n])) for n in best])
        return results

    def taxonomy_shortlist(
        self, problems: Sequence[Problem]
    ) -> list[list[tuple[Insight, float]] | None]:
        """Per problem: the insights under the taxonomy labels the LLM picks, best lexical match first
        (None where its answer is unusable)."""
        assert self.complete is not None
        index, snapshot = self.store.lexical_index()
        groups: dict[str, dict[str, None]] = {}
        for insight in snapshot.values():
            groups.setdefault(_topic(insight), {})[insight.taxonomy.level2] = None
        if not groups:
            return [[] for _ in problems]
        labels = sorted(groups)
        offered = [(label, [s for s in groups[label] if s]) for label in labels]
        answers = complete_checked(self.complete, [taxonomy_prompt(p, offered) for p in problems])
        results: list[list[tuple[Insight, float]] | None] = []
        for problem, answer in zip(problems, answers, strict=True):
            chosen = parse_selected_ids(answer, labels)
            if chosen is None:
                results.append(None)
                continue
            scores = index.scores(problem.text)
            ranked = sorted(
                (
                    (snapshot[insight_id], float(scores[n]))
                    for n, insight_id in enumerate(index.ids)
                    if _topic(snapshot[insight_id]) in chosen
                ),
                key=lambda pair: -pair[1],
            )
            results.append(ranked[: self.shortlist_size])
        return results

    def retrieve(self, problems: Sequence[Problem]) -> list[Retrieval]:
        """Both stages for every problem (batched LLM calls), logged to the store when ``log``."""
        shortlists = self.shortlist(problems)
        prefix = [""] * len(problems)
        if self.shortlist_by == "taxonomy":
            for n, by_topic in enumerate(self.taxonomy_shortlist(problems)):
                if by_topic is not None:
                    shortlists[n], prefix[n] = by_topic, "taxonomy+"
        checked: dict[int, tuple[list[str] | None, str]] = {}
        if self.complete is not None and self.k > 0:
            todo = [n for n, s in enumerate(shortlists) if s]
            answers = check_applicability(
                self.complete,
                [(problems[n], [i for i, _ in shortlists[n]]) for n in todo],
                self.k,
            )
            checked = dict(zip(todo, answers, strict=True))
        results = []
        for n, (problem, shortlist) in enumerate(zip(problems, shortlists, strict=True)):
            by_id = {i.id: i for i, _ in shortlist}
            method, note = "lexical", ""
            chosen = [i for i, _ in shortlist[: self.k]]
            if n in checked:
                ids, answer = checked[n]
                if ids is None:
                    method = "lexical-fallback"
                    note = "unusable applicability answer: " + " ".join(answer.split())[:120]
                else:
                    method, chosen = "llm", [by_id[i] for i in ids[: self.k]]
            results.append(
                Retrieval(problem.id, tuple(chosen), tuple(shortlist), prefix[n] + method, note)
            )
        if self.log and results:
            log_ids = self.store.log_retrievals(
                [
                    RetrievalRecord(
                        problem_id=r.problem_id,
                        shortlisted=tuple((i.id, s) for i, s in r.shortlisted),
                        selected=tuple(i.id for i in r.insights),
                        method=r.method,
                        note=r.note,
                        run_tag=self.run_tag,
                    )
                    for r in results
                ]
            )
            results = [
                Retrieval(r.problem_id, r.insights, r.shortlisted, r.method, r.note, log_id)
                for r, log_id in zip(results, log_ids, strict=True)
            ]
        return results


def _topic(insight: Insight) -> str:
    """The label a taxonomy shortlist matches on: track / level-1."""
    return f"{insight.taxonomy.track} / {insight.taxonomy.level1}"


def retrieve(
    store: InsightStore,
    problems: Sequence[Problem],
    *,
    complete: Completer | None = None,
    k: int = 4,
    shortlist_size: int = 12,
    log: bool = True,
    run_tag: str = "",
    shortlist_by: Literal["lexical", "taxonomy"] = "lexical",
) -> list[Retrieval]:
    """One-call retrieval: ``Retriever(store, ...).retrieve(problems)``."""
    retriever = Retriever(
        store,
        complete=complete,
        k=k,
        shortlist_size=shortlist_size,
        log=log,
        run_tag=run_tag,
        shortlist_by=shortlist_by,
    )
    return retriever.retrieve(problems)
