"""Refining applicability conditions: kept only when strictly better, versioned, reversible."""

from __future__ import annotations

import json

import pytest
from library_doubles import (
    ScriptedFormulator,
    ScriptedLLM,
    listed_insights,
    make_insight,
    problem,
    problem_text,
)

from optmodel.experience_library import InsightStore, VerifyTask, refine
from optmodel.experience_library.insight import Provenance
from optmodel.experience_library.logbook import RetrievalRecord
from optmodel.experience_library.prompts import REWRITE_HEADER

KEEP = problem("p-keep", "Trucks are hired whole; how many trucks?")
HURT = problem("p-hurt", "Kilograms of flour are bought; how much flour?")
HURT2 = problem("p-hurt2", "Litres of milk are bought; how much milk?")
MISS = problem("p-miss", "How many buses are needed for a school trip?")
PROBLEMS = {p.text: p.id for p in (KEEP, HURT, HURT2, MISS)}

CURRENT = "anything about buying"
GOOD = "whole vehicles are counted"
BAD = "divisible goods are bought"
# Which problems the (scripted) applicability check accepts the insight for, under each condition.
ACCEPTS = {
    CURRENT: {"p-keep", "p-hurt", "p-hurt2"},
    GOOD: {"p-keep", "p-miss"},
    BAD: {"p-hurt", "p-hurt2"},
}


def _applicability(prompt: str) -> str:
    pid = PROBLEMS[problem_text(prompt)]
    chosen = [e["id"] for e in listed_insights(prompt) if pid in ACCEPTS.get(e["applies"], set())]
    return json.dumps(chosen)


def _llm(*rewrites: str) -> ScriptedLLM:
    answer = json.dumps(
        {"rewrites": [{"applies_when": r, "does_not_apply_when": ""} for r in rewrites]}
    )
    return ScriptedLLM(applicability=_applicability, rewrite=lambda p: answer)


def _fixes(task: VerifyTask) -> bool:
    with_it = any(i.id == "ins-scope" for i in task.insights)
    if task.problem.id in ("p-hurt", "p-hurt2"):
        return not with_it  # the insight hurts these
    return with_it


@pytest.fixture
def evidence_store(store: InsightStore) -> InsightStore:
    store.add(make_insight("ins-scope", applies_when=CURRENT, does_not_apply_when=""))
    store.add(make_insight("ins-other", applies_when="never relevant", does_not_apply_when=""))
    store.remember_problems([KEEP, HURT, HURT2, MISS])
    shortlist = (("ins-scope", 2.0), ("ins-other", 1.0))
    ids = store.log_retrievals(
        [
            RetrievalRecord("p-keep", shortlist, ("ins-scope",), "llm"),
            RetrievalRecord("p-hurt", shortlist, ("ins-scope",), "llm"),
            RetrievalRecord("p-hurt2", shortlist, ("ins-scope",), "llm"),
            RetrievalRecord("p-miss", shortlist, (), "llm"),
        ]
    )
    store.record_outcome(ids[0], correct=True)
    store.record_outcome(ids[1], correct=False, baseline_correct=True)  # known to hurt
    store.record_outcome(ids[2], correct=False)  # must be checked by re-formulating
    store.record_outcome(ids[3], correct=False)
    return store


def test_evidence_is_verified_by_reformulating_in_one_batch(evidence_store: InsightStore) -> None:
    formulator = ScriptedFormulator(_fixes)
    report = refine(evidence_store, formulator, _llm(BAD), insight_ids=["ins-scope"])
    [result] = report.results
    assert result.evidence.kept == ["p-keep"]
    assert sorted(result.evidence.blocked) == ["p-hurt", "p-hurt2"]
    assert result.evidence.recovered == ["p-miss"]
    [batch] = formulator.calls
    assert {(t.problem.id, tuple(i.id for i in t.insights)) for t in batch} == {
        ("p-hurt2", ()),  # is it right without the insight?
        ("p-miss", ("ins-scope",)),  # is it right with it?
    }


def test_a_rewrite_that_scores_worse_is_discarded(evidence_store: InsightStore) -> None:
    llm = _llm(BAD)
    report = refine(evidence_store, ScriptedFormulator(_fixes), llm, insight_ids=["ins-scope"])
    [result] = report.results
    assert result.current_score == 1  # keeps p-keep, blocks nothing, recovers nothing
    assert result.candidates == [(BAD, "", 0)]
    assert not result.accepted and report.improved == []
    insight = evidence_store.get("ins-scope")
    assert insight.version == 1 and insight.applies_when == CURRENT
    [prompt] = llm.prompts_of(REWRITE_HEADER)
    assert "would have fixed" in prompt and MISS.text in prompt


def test_a_better_rewrite_is_kept_versioned_and_can_be_rolled_back(
    evidence_store: InsightStore,
) -> None:
    report = refine(evidence_store, ScriptedFormulator(_fixes), _llm(BAD, GOOD))
    scope = next(r for r in report.results if r.insight_id == "ins-scope")
    assert scope.accepted and scope.new_version == 2
    assert scope.candidates == [(BAD, "", 0), (GOOD, "", 4)]
    assert report.improved == ["ins-scope"]
    refined = evidence_store.get("ins-scope")
    assert refined.applies_when == GOOD and refined.refined_from == "ins-scope@1"
    assert evidence_store.versions("ins-scope")[-1].reason == "refined condition: score 1 -> 4"
    # An insight without wrong uses or misses is left alone.
    other = next(r for r in report.results if r.insight_id == "ins-other")
    assert not other.accepted and evidence_store.get("ins-other").version == 1

    evidence_store.rollback("ins-scope", 1)
    assert evidence_store.get("ins-scope").applies_when == CURRENT


def test_an_equal_score_is_not_an_improvement(evidence_store: InsightStore) -> None:
    ACCEPTS["no better"] = set(ACCEPTS[CURRENT])  # selects exactly where the current one does
    try:
        report = refine(
            evidence_store, ScriptedFormulator(_fixes), _llm("no better"), insight_ids=["ins-scope"]
        )
    finally:
        del ACCEPTS["no better"]
    [result] = report.results
    assert result.candidates == [("no better", "", 1)] and result.current_score == 1
    assert not result.accepted and evidence_store.get("ins-scope").version == 1


def _learned_scope(store: InsightStore) -> None:
    learned = make_insight("ins-scope", applies_when=CURRENT, does_not_apply_when="")
    store.update(
        learned.model_copy(
            update={"provenance": Provenance(origin="learned", source_problems=["p-source"])}
        ),
        reason="learned from p-source",
    )


def test_a_learned_insight_that_still_breaks_a_problem_is_retired(
    evidence_store: InsightStore,
) -> None:
    _learned_scope(evidence_store)
    report = refine(
        evidence_store, ScriptedFormulator(_fixes), _llm(BAD), insight_ids=["ins-scope"]
    )
    [result] = report.results
    assert not result.accepted and result.retired and report.retired == ["ins-scope"]
    assert "p-hurt" in result.reason and "p-hurt2" in result.reason
    assert evidence_store.insights() == [evidence_store.get("ins-other")]
    assert evidence_store.get("ins-scope").status == "retired"


def test_a_learned_insight_whose_rewrite_excludes_what_it_broke_is_kept(
    evidence_store: InsightStore,
) -> None:
    _learned_scope(evidence_store)
    report = refine(
        evidence_store, ScriptedFormulator(_fixes), _llm(BAD, GOOD), insight_ids=["ins-scope"]
    )
    [result] = report.results
    assert result.accepted and not result.retired and report.retired == []
    refined = evidence_store.get("ins-scope")
    assert refined.status == "active" and refined.applies_when == GOOD


def test_a_starter_insight_is_rewritten_but_never_retired(evidence_store: InsightStore) -> None:
    report = refine(
        evidence_store, ScriptedFormulator(_fixes), _llm(BAD), insight_ids=["ins-scope"]
    )
    [result] = report.results
    assert result.evidence.blocked and not result.retired
    assert evidence_store.get("ins-scope").status == "active"
