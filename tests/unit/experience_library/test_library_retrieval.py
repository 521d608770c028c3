"""Two-stage retrieval: lexical shortlist, LLM applicability check (scripted), logging, fallbacks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pytest
from library_doubles import ScriptedLLM, listed_insights, make_insight, problem, problem_text

from optmodel.errors import LLMError
from optmodel.experience_library import (
    InsightStore,
    Retriever,
    load_starter_library,
    retrieve,
)
from optmodel.experience_library.responses import parse_selected_ids

TRUCKS = problem("p-trucks", "How many trucks should the company buy to carry 50 tonnes of cargo?")
FLOUR = problem("p-flour", "How many kilograms of flour should the bakery buy for its trucks?")


def _careful_llm(prompt: str) -> str:
    """Behaves like a careful model: an insight applies unless its 'does NOT apply' clause names a word
    (longer than 5 letters) that occurs in the problem."""
    words = {w.strip(".,?").lower() for w in problem_text(prompt).split()}
    chosen = [
        entry["id"]
        for entry in listed_insights(prompt)
        if not any(len(w) > 5 and w in entry["not_applies"].lower() for w in words)
    ]
    return f"The applicable insights are:\n```json\n{json.dumps(chosen)}\n```"


@pytest.fixture
def trucks_store(store: InsightStore) -> InsightStore:
    store.add(
        make_insight(
            "ins-countable",
            applies_when="decisions count whole trucks or people",
            does_not_apply_when="the quantity is divisible, such as kilograms or litres",
        )
    )
    store.add(
        make_insight(
            "ins-cargo",
            title="Trucks carry cargo up to their capacity",
            applies_when="trucks carry cargo",
            does_not_apply_when="",
        )
    )
    return store


def test_llm_check_respects_does_not_apply_when(trucks_store: InsightStore) -> None:
    llm = ScriptedLLM(applicability=_careful_llm)
    retriever = Retriever(trucks_store, complete=llm, k=3)
    trucks, flour = retriever.retrieve([TRUCKS, FLOUR])

    assert len(llm.calls) == 1 and len(llm.calls[0]) == 2  # one batched call for both problems
    assert "Does NOT apply when: the quantity is divisible" in llm.calls[0][0]
    assert {i.id for i, _ in flour.shortlisted} == {"ins-countable", "ins-cargo"}
    assert {i.id for i in trucks.insights} == {"ins-countable", "ins-cargo"}
    assert [i.id for i in flour.insights] == [
        "ins-cargo"
    ]  # excluded by its 'does NOT apply' clause
    assert trucks.method == flour.method == "llm"


def test_at_most_k_insights_reach_the_prompt(trucks_store: InsightStore) -> None:
    llm = ScriptedLLM(applicability=lambda p: json.dumps([e["id"] for e in listed_insights(p)]))
    [result] = retrieve(trucks_store, [TRUCKS], complete=llm, k=1)
    assert len(result.insights) == 1
    assert result.insights[0].title in result.prompt_text


def test_malformed_answer_falls_back_to_lexical_and_is_logged(trucks_store: InsightStore) -> None:
    llm = ScriptedLLM(applicability=lambda p: "I think the second one, probably.")
    [result] = retrieve(trucks_store, [TRUCKS], complete=llm, k=1, run_tag="bench")
    assert result.method == "lexical-fallback"
    assert result.insights == (result.shortlisted[0][0],)
    [record] = trucks_store.retrieval_records(run_tag="bench")
    assert record.log_id == result.log_id and record.method == "lexical-fallback"
    assert "I think the second one" in record.note
    assert trucks_store.stats().llm_check_fallbacks == 1


def test_explicit_none_selects_nothing(trucks_store: InsightStore) -> None:
    llm = ScriptedLLM(applicability=lambda p: "None of them apply here.")
    [result] = retrieve(trucks_store, [TRUCKS], complete=llm)
    assert result.insights == () and result.method == "llm"


def test_retrieval_log_records_scores_and_outcomes_attach_later(trucks_store: InsightStore) -> None:
    llm = ScriptedLLM(applicability=lambda p: '["ins-countable"]')
    [result] = Retriever(trucks_store, complete=llm, run_tag="t").retrieve([TRUCKS])
    assert result.log_id is not None
    trucks_store.record_outcome(result.log_id, correct=True, detail={"objective": 3})
    [record] = trucks_store.retrieval_records(problem_ids=["p-trucks"])
    assert record.selected == ("ins-countable",)
    assert [i for i, _ in record.shortlisted] == [i.id for i, _ in result.shortlisted]
    assert all(score > 0 for _, score in record.shortlisted)
    assert record.outcome == "correct" and record.detail == {"objective": 3}
    assert trucks_store.get("ins-countable").stats.helped == 1


def test_without_a_completer_the_top_lexical_matches_are_used(store: InsightStore) -> None:
    load_starter_library(store)
    text = "Each chair takes 30 minutes on the lathe; the lathe is available 40 hours a week."
    [result] = retrieve(store, [problem("p", text)], k=2, log=False)
    assert result.method == "lexical" and result.log_id is None
    assert result.insights[0].id == "starter-time-units"
    assert store.retrieval_records() == []


def test_index_follows_library_changes(store: InsightStore) -> None:
    retriever = Retriever(store, k=1, log=False)
    assert retriever.retrieve([TRUCKS])[0].insights == ()  # empty library works
    store.add(make_insight("ins-countable"))
    assert [i.id for i in retriever.retrieve([TRUCKS])[0].insights] == ["ins-countable"]
    # A change made through another connection (another process) is seen too.
    with InsightStore(store.path) as other:
        other.retire("ins-countable", reason="test")
    assert retriever.retrieve([TRUCKS])[0].insights == ()


def test_injected_embeddings_can_surface_insights_without_word_overlap(store: InsightStore) -> None:
    store.add(make_insight("ins-countable"))
    store.add(
        make_insight(
            "ins-lorries",
            title="Vehicle fleets",
            applies_when="fleet sizing",
            keywords=[],
            explanation={"practice": "p", "mistake": "m", "why": "w"},
        )
    )

    def embed(texts: Sequence[str]) -> list[list[float]]:
        # A deterministic stand-in for an embedding model: "lorry" and "fleet" mean the same thing.
        vectors = []
        for text in texts:
            lowered = text.lower()
            synonym = float("lorr" in lowered or "fleet" in lowered)
            noise = hashlib.sha256(text.encode()).digest()[0] / 2550
            vectors.append([synonym, noise, 0.1])
        return vectors

    lorries = problem("p-lorry", "How many lorries are needed?")
    plain = Retriever(store, k=1, log=False).retrieve([lorries])[0]
    fused = Retriever(store, embed=embed, k=1, log=False, embed_weight=5.0).retrieve([lorries])[0]
    assert [i.id for i in plain.insights] != ["ins-lorries"]
    assert [i.id for i in fused.insights] == ["ins-lorries"]


def test_a_completer_that_drops_answers_is_an_llm_error(trucks_store: InsightStore) -> None:
    with pytest.raises(LLMError, match="returned 0 answers for 2 prompts"):
        retrieve(trucks_store, [TRUCKS, FLOUR], complete=lambda prompts: [])


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('["b", "a"]', ["b", "a"]),
        ('```json\n{"applicable": ["a"]}\n```', ["a"]),
        ("Insight a applies; so does b.", ["a", "b"]),
        ('["zzz"]', None),  # only ids that were never offered
        ("[]", []),
        ("no insights apply", []),
        ("it depends", None),
        ('["a", "a", "c"]', ["a"]),
    ],
)
def test_applicability_answers_are_parsed_robustly(answer: str, expected: list[str] | None) -> None:
    assert parse_selected_ids(answer, ["a", "b"]) == expected
