"""Leakage by near-duplicate text, the taxonomy shortlist, and the readable library report."""

from __future__ import annotations

import json
import re

from library_doubles import ScriptedLLM, listed_insights, make_insight

from optmodel.experience_library import (
    InsightStore,
    Problem,
    Provenance,
    RetrievalRecord,
    Retriever,
    Taxonomy,
)
from optmodel.experience_library.near_duplicates import near_duplicates, similarity
from optmodel.experience_library.prompts import TAXONOMY_HEADER
from optmodel.experience_library.report import library_report
from optmodel.library_bridge import LibraryInsightSource
from optmodel.llm.formulator import Problem as FormulationProblem

TRUCKS = (
    "A quarry must move 70 tonnes of gravel to a building site. Each truck it hires carries 12 tonnes "
    "and costs 150 dollars per trip. How many trucks should it hire to minimize cost?"
)
TRUCKS_COPY = TRUCKS.replace("gravel to a building site.", "gravel to a building site!  ") + " "
BUSES = (
    "A school takes 100 pupils to a museum; each bus seats 40 pupils. How many buses are needed?"
)


def test_similarity_tells_copies_from_other_problems() -> None:
    assert similarity(TRUCKS, TRUCKS_COPY) == 1.0
    assert similarity(TRUCKS, BUSES) < 0.1
    other_numbers = TRUCKS.replace("70 tonnes", "95 tonnes").replace("12 tonnes", "9 tonnes")
    assert (
        similarity(TRUCKS, other_numbers) < 0.7
    )  # the same story with other data is another problem
    assert near_duplicates(TRUCKS, {"a": TRUCKS_COPY, "b": BUSES, "c": ""}) == {"a"}


def test_an_insight_learned_from_a_copy_under_another_id_is_hidden(tmp_path) -> None:
    store = InsightStore(tmp_path / "lib.sqlite")
    learned = make_insight(
        "ins-learned",
        provenance=Provenance(origin="learned", source_problems=["dsA-7"]).model_dump(),
    )
    store.add(learned)
    store.remember_problems([Problem("dsA-7", TRUCKS, 1500.0)])
    source = LibraryInsightSource(store, None, k=4)

    copy, other = source(
        [FormulationProblem("dsB-3", TRUCKS_COPY), FormulationProblem("dsB-4", BUSES)]
    )
    assert copy.insight_ids == ()  # same text, other dataset id: would leak the answer
    assert other.insight_ids == ("ins-learned",)


def _topic_store(tmp_path) -> InsightStore:
    store = InsightStore(tmp_path / "lib.sqlite")
    store.add(make_insight("ins-int"))  # domain-modeling / variable-types
    store.add(
        make_insight(
            "ins-link",
            title="Link trucks to open depots",
            taxonomy=Taxonomy(
                track="general-formulation", level1="linking", level2="big-m"
            ).model_dump(),
        )
    )
    return store


def test_the_taxonomy_shortlist_holds_only_the_topics_the_llm_picks(tmp_path) -> None:
    store = _topic_store(tmp_path)
    llm = ScriptedLLM(
        taxonomy=lambda prompt: '["general-formulation / linking"]',
        applicability=lambda prompt: json.dumps([e["id"] for e in listed_insights(prompt)]),
    )
    [retrieval] = Retriever(store, complete=llm, shortlist_by="taxonomy").retrieve(
        [Problem("p", TRUCKS)]
    )
    assert [i.id for i in retrieval.insights] == ["ins-link"]
    assert retrieval.method == "taxonomy+llm"
    [prompt] = llm.prompts_of(TAXONOMY_HEADER)
    assert "- domain-modeling / variable-types (e.g. integrality)" in prompt
    assert "- general-formulation / linking (e.g. big-m)" in prompt


def test_an_unusable_topic_answer_falls_back_to_the_lexical_shortlist(tmp_path) -> None:
    store = _topic_store(tmp_path)
    llm = ScriptedLLM(
        taxonomy=lambda prompt: "I am not sure.",
        applicability=lambda prompt: json.dumps([e["id"] for e in listed_insights(prompt)]),
    )
    [retrieval] = Retriever(store, complete=llm, shortlist_by="taxonomy").retrieve(
        [Problem("p", TRUCKS)]
    )
    assert retrieval.method == "llm"
    assert {i.id for i in retrieval.insights} == {"ins-int", "ins-link"}


def test_the_report_groups_by_topic_with_conditions_evidence_counts_and_history(tmp_path) -> None:
    store = _topic_store(tmp_path)
    store.update(
        store.get("ins-int").model_copy(update={"applies_when": "counts of whole vehicles"}),
        reason="refined condition: score 1 -> 3",
    )
    [log_id] = store.log_retrievals(
        [RetrievalRecord("p1", (("ins-int", 1.0),), ("ins-int",), "llm")]
    )
    store.record_outcome(log_id, correct=True)
    page = library_report(store)

    sections = re.findall(r"^## (.+)$", page, flags=re.M)
    assert sections == ["domain-modeling / variable-types", "general-formulation / linking"]
    assert "- **Applies when:** counts of whole vehicles" in page
    assert "- **Does not apply when:** quantities are divisible such as kilograms" in page
    assert "- **Right:** `cap * trucks >= demand`" in page
    assert "shortlisted 1, chosen 1; outcomes: helped 1, hurt 0" in page
    assert re.search(r"  - v2 \(.*\): refined condition: score 1 -> 3", page)
    assert "Most helpful: `ins-int` (1)" in page
