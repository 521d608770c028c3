"""Learning from failures: candidates are kept only when the solver verifies them; runs resume."""

from __future__ import annotations

import json

import pytest
from library_doubles import (
    ScriptedFormulator,
    ScriptedLLM,
    insight_json,
    insights_answer,
    listed_insights,
    make_insight,
    problem,
)

from optmodel.experience_library import InsightStore, VerifyTask, learn
from optmodel.experience_library.prompts import DIAGNOSIS_HEADER, MERGE_HEADER
from optmodel.experience_library.report import library_report

P1 = problem(
    "p1", "How many trucks must the firm hire to move 7 tonnes if each truck takes 3 tonnes?"
)
P2 = problem("p2", "How many buses are needed for 100 pupils when each bus seats 40?")
EASY = problem("p-easy", "Maximize 3x subject to x <= 1.", answer=3.0)

FIXING = insight_json()  # its practice says to declare counts integer
USELESS = insight_json(
    title="Hire extra trucks",
    explanation={"practice": "add a spare truck", "mistake": "too few", "why": "safety"},
)


def _integer_fixes(task: VerifyTask) -> bool:
    """The formulator gets count problems right only when told to use integers; EASY always."""
    if task.problem.id == EASY.id:
        return True
    return any("integer" in i.explanation.practice for i in task.insights)


def _diagnose_with(*entries: dict) -> ScriptedLLM:
    return ScriptedLLM(
        diagnosis=lambda prompt: insights_answer(*entries),
        applicability=lambda prompt: json.dumps([e["id"] for e in listed_insights(prompt)]),
    )


def test_a_candidate_that_fixes_its_problem_is_kept_and_one_that_does_not_is_rejected(
    store: InsightStore,
) -> None:
    llm = _diagnose_with(USELESS, FIXING)
    formulator = ScriptedFormulator(_integer_fixes)
    report = learn([P1, EASY], store, formulator, llm, model="test-llm", merge_threshold=None)

    assert (report.attempted, report.initially_correct) == (2, 1)
    assert (report.candidates_proposed, report.candidates_verified) == (2, 1)
    assert report.candidates_rejected == 1
    [kept] = store.insights()
    assert kept.id in report.added
    assert kept.explanation.practice == "declare counts integer"
    assert kept.provenance.origin == "learned"
    assert kept.provenance.source_problems == ["p1"] and kept.provenance.model == "test-llm"
    assert report.per_problem["p1"]["verified"] == [kept.id]
    assert report.per_problem["p1"]["rejected"] == ["Hire extra trucks"]

    # Verification re-formulated the failed problem with exactly one candidate at a time.
    attempt, verify = formulator.calls
    assert [t.purpose for t in attempt] == ["attempt", "attempt"]
    assert [(t.problem.id, len(t.insights)) for t in verify] == [("p1", 1), ("p1", 1)]


def test_the_diagnosis_prompt_forbids_inventing_data_and_shows_the_evidence(
    store: InsightStore,
) -> None:
    llm = _diagnose_with(FIXING)
    learn([P1], store, ScriptedFormulator(_integer_fixes), llm, merge_threshold=None)
    [prompt] = llm.prompts_of(DIAGNOSIS_HEADER)
    assert "Do not invent or change any data" in prompt
    assert "the optimal objective value is 3" in prompt
    assert "objective 2.4 differs from what was expected" in prompt  # the solver's feedback
    assert '"trucks": {"type": "continuous"}' in prompt  # the failed formulation
    assert P1.text in prompt


def _flagging(prompt: str) -> str:
    """Flags the truck problem for audit while also offering the insight that would verify there."""
    if P1.text in prompt:
        audit = {"kind": "answer_doubtful", "reason": "no reading of 7 tonnes gives 3 trucks"}
        return json.dumps({"insights": [FIXING], "audit": audit})
    return insights_answer(FIXING)


def test_a_failure_flagged_for_audit_teaches_nothing_and_is_listed(store: InsightStore) -> None:
    llm = ScriptedLLM(diagnosis=_flagging)
    formulator = ScriptedFormulator(_integer_fixes)
    report = learn([P1, P2], store, formulator, llm, merge_threshold=None)

    [prompt, _] = llm.prompts_of(DIAGNOSIS_HEADER)  # one each, no correction turn for the flag
    assert '"audit": {"kind": "data_missing | answer_doubtful"' in prompt
    assert set(report.flagged_for_audit) == {"p1"}
    assert report.flagged_for_audit["p1"].kind == "answer_doubtful"
    assert report.per_problem["p1"]["audit"]["reason"] == "no reading of 7 tonnes gives 3 trucks"
    # p1's insight would have verified on p1, but a flag withholds it; p2's own copy is learned from p2.
    verify = formulator.calls[1]
    assert [t.problem.id for t in verify] == ["p2"]
    [kept] = store.insights()
    assert kept.provenance.source_problems == ["p2"]
    assert store.done_problems("default")["p1"]["audit"]["kind"] == "answer_doubtful"
    assert [(run, pid) for run, pid, _ in store.flagged_for_audit()] == [("default", "p1")]
    page = library_report(store)
    assert "## Problems flagged for audit while learning" in page
    assert "`p1` (answer_doubtful, run `default`): no reading of 7 tonnes gives 3 trucks" in page


def test_an_audit_flag_of_unknown_kind_is_ignored(store: InsightStore) -> None:
    answer = json.dumps({"insights": [FIXING], "audit": {"kind": "tired", "reason": "-"}})
    report = learn(
        [P1], store, ScriptedFormulator(_integer_fixes), ScriptedLLM(diagnosis=lambda p: answer),
        merge_threshold=None,
    )  # fmt: skip
    assert report.flagged_for_audit == {} and report.candidates_verified == 1


def test_each_stage_is_one_batched_call_across_problems(store: InsightStore) -> None:
    llm = _diagnose_with(FIXING)
    formulator = ScriptedFormulator(_integer_fixes)
    learn([P1, P2, EASY], store, formulator, llm, merge_threshold=None)
    assert [len(batch) for batch in llm.calls] == [2]  # one diagnosis call, two failures
    assert [len(batch) for batch in formulator.calls] == [3, 2]  # attempt all, verify candidates


def test_unparseable_candidates_are_counted_and_nothing_is_added(store: InsightStore) -> None:
    broken = insight_json(example={"wrong": "x <=", "right": "x <= 1"})
    llm = ScriptedLLM(
        diagnosis=lambda p: "I am not sure." if "buses" in p else insights_answer(broken)
    )
    report = learn([P1, P2], store, ScriptedFormulator(_integer_fixes), llm, merge_threshold=None)
    # p1's broken insight gets one correction turn (broken again); an answer with no insight gets none
    assert len(llm.prompts_of(DIAGNOSIS_HEADER)) == 3
    assert report.candidates_invalid == 3 and report.candidates_verified == 0
    assert store.insights() == []
    assert "example.wrong" in report.per_problem["p1"]["invalid_candidates"][0]


def test_learning_resumes_and_skips_finished_or_unanswered_problems(store: InsightStore) -> None:
    unanswered = problem("p-none", "A problem without a known answer.", answer=None)

    def crash_on_p2(task: VerifyTask) -> bool:
        if task.problem.id == "p2":
            raise RuntimeError("the machine went down")
        return _integer_fixes(task)

    llm = _diagnose_with(FIXING)
    with pytest.raises(RuntimeError):
        learn([P1, P2, unanswered], store, ScriptedFormulator(crash_on_p2), llm,
              batch_size=1, run_name="r1", merge_threshold=None)  # fmt: skip
    assert set(store.done_problems("r1")) == {"p1"}

    formulator = ScriptedFormulator(_integer_fixes)
    report = learn(
        [P1, P2, unanswered], store, formulator, llm, run_name="r1", merge_threshold=None
    )
    assert (report.skipped_done, report.skipped_no_answer, report.attempted) == (1, 1, 1)
    assert [t.problem.id for t in formulator.calls[0]] == ["p2"]
    # p2 now retrieves the insight learned from p1 and is solved without a new diagnosis.
    assert report.per_problem["p2"]["initially_correct"] is True
    assert set(store.done_problems("r1")) == {"p1", "p2"}


def _merge_answer(practice: str) -> ScriptedLLM:
    merged = insight_json(
        title="Counts of vehicles are integers",
        applies_when="decisions count whole trucks, buses or people",
        explanation={"practice": practice, "mistake": "continuous counts", "why": "whole units"},
    )
    return ScriptedLLM(
        diagnosis=lambda p: insights_answer(FIXING),
        merge=lambda p: json.dumps({"insights": [merged]}),
        applicability=lambda p: "[]",  # retrieval never helps, so p2 fails and is diagnosed
    )


@pytest.fixture
def library_with_p1_insight(store: InsightStore) -> InsightStore:
    store.remember_problems([P1])
    learned = make_insight("ins-from-p1")
    store.add(learned.model_copy(update={"provenance": learned.provenance.model_copy(
        update={"origin": "learned", "source_problems": ["p1"]})}))  # fmt: skip
    return store


def test_near_duplicates_merge_when_the_merge_verifies_on_all_source_problems(
    library_with_p1_insight: InsightStore,
) -> None:
    store = library_with_p1_insight
    llm = _merge_answer("declare vehicle and people counts integer")
    formulator = ScriptedFormulator(_integer_fixes)
    report = learn([P2], store, formulator, llm, merge_threshold=0.5)

    assert report.merges_kept == 1
    [merged] = store.insights()
    assert merged.provenance.origin == "merged"
    new_from_p2 = report.per_problem["p2"]["verified"][0]
    assert merged.merged_from == [new_from_p2, "ins-from-p1"]
    assert sorted(merged.provenance.source_problems) == ["p1", "p2"]
    assert store.get("ins-from-p1").status == "retired"
    assert store.get("ins-from-p1").superseded_by == merged.id
    merge_checks = formulator.calls[-1]
    assert {t.problem.id for t in merge_checks} == {"p1", "p2"}
    assert all(t.insights == (merged,) or t.insights[0].id == merged.id for t in merge_checks)
    assert len(llm.prompts_of(MERGE_HEADER)) == 1
    # The merge can be undone: both sources come back.
    store.rollback("ins-from-p1", 1)
    assert store.get("ins-from-p1").status == "active"


def test_a_merge_that_breaks_a_source_problem_is_rejected_and_both_stay(
    library_with_p1_insight: InsightStore,
) -> None:
    store = library_with_p1_insight
    llm = _merge_answer("count vehicles carefully")  # loses the integer advice
    report = learn([P2], store, ScriptedFormulator(_integer_fixes), llm, merge_threshold=0.5)
    assert (report.merges_kept, report.merges_rejected) == (0, 1)
    assert {i.id for i in store.insights()} == {"ins-from-p1", *report.added}
    assert len(store.insights()) == 2


def test_an_answer_with_only_invalid_insights_gets_one_correction_turn(store: InsightStore) -> None:
    family = insight_json(
        example={"wrong": ["x[i] <= cap[i]  for i in I"], "right": ["x[i] <= cap[i] * open[i]"]}
    )

    def diagnose(prompt: str) -> str:
        if "None of its insights could be used" in prompt:  # the correction turn
            assert "x[i] <= cap[i]  for i in I" in prompt and "not a valid expression" in prompt
            return insights_answer(FIXING)
        return insights_answer(family)

    llm = ScriptedLLM(diagnosis=diagnose, applicability=lambda prompt: "[]")
    report = learn([P1], store, ScriptedFormulator(_integer_fixes), llm, merge_threshold=None)

    assert len(llm.prompts_of(DIAGNOSIS_HEADER)) == 2  # the first answer and its correction
    assert (report.candidates_proposed, report.candidates_invalid) == (2, 1)
    assert report.candidates_verified == 1 and len(store.insights()) == 1
    assert report.per_problem["p1"]["first_answer_invalid"]


def test_no_correction_turn_when_some_insight_is_valid(store: InsightStore) -> None:
    broken = insight_json(title="broken", example={"wrong": ["x >="], "right": ["x >= 1"]})
    llm = _diagnose_with(broken, FIXING)
    report = learn([P1], store, ScriptedFormulator(_integer_fixes), llm, merge_threshold=None)
    assert len(llm.prompts_of(DIAGNOSIS_HEADER)) == 1
    assert (report.candidates_invalid, report.candidates_verified) == (1, 1)


SIMILAR = problem("p-similar", "How many trucks move 9 tonnes if each truck takes 3 tonnes?")
OVERREACH = insight_json(
    title="Always hire a spare truck",
    explanation={
        "practice": "declare counts integer and add a spare truck",
        "mistake": "too few",
        "why": "safety",
    },
)


def _spare_breaks_exact_fits(task: VerifyTask) -> bool:
    """P1 needs integers; SIMILAR (3 trucks exactly) is right unless a spare truck is added."""
    practices = [i.explanation.practice for i in task.insights]
    if task.problem.id == SIMILAR.id:
        return not any("spare" in p for p in practices)
    return any("integer" in p for p in practices)


def test_a_candidate_that_breaks_an_already_right_similar_problem_is_dropped(
    store: InsightStore,
) -> None:
    formulator = ScriptedFormulator(_spare_breaks_exact_fits)
    report = learn(
        [P1, SIMILAR], store, formulator, _diagnose_with(OVERREACH, FIXING), merge_threshold=None
    )
    # Both fix p1; only the one that leaves the exact-fit problem right is kept.
    [kept] = store.insights()
    assert kept.title == FIXING["title"]
    assert (report.candidates_verified, report.candidates_regressed) == (1, 1)
    assert report.per_problem["p1"]["regressed"] == [
        {"insight": "Always hire a spare truck", "broke": ["p-similar"]}
    ]
    assert report.per_problem["p1"]["verified"] == [kept.id]  # only what was kept
    *_, regression = formulator.calls
    assert len(formulator.calls) == 3  # attempt, verify, regression
    assert [t.problem.id for t in regression] == ["p-similar", "p-similar"]
    assert all(t.purpose == "regression" for t in regression)


def test_without_regression_checks_the_overreaching_candidate_is_kept(store: InsightStore) -> None:
    formulator = ScriptedFormulator(_spare_breaks_exact_fits)
    report = learn(
        [P1, SIMILAR],
        store,
        formulator,
        _diagnose_with(OVERREACH),
        merge_threshold=None,
        regression_checks=0,
    )
    assert [i.title for i in store.insights()] == ["Always hire a spare truck"]
    assert report.candidates_regressed == 0 and len(formulator.calls) == 2
