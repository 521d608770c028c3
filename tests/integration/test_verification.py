"""The verification turn: a solved plan goes back to the LLM, which answers ok or a corrected model.

Only the LLM is scripted; validation, compilation, HiGHS and the solution report are real.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from optmodel.benchmarks.methods import parse_method
from optmodel.llm.formulator import Formulator, FormulatorConfig
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.verification import parse_verdict

PROBLEM = (
    "A bakery sells cakes for $9.15 each and pies for $4 each. A cake needs 2 hours of oven time, a pie 1 "
    "hour; the oven has 10 hours. At most 3 cakes can be decorated. Maximize revenue."
)
RIGHT = 9.15 * 3 + 4 * 4  # 3 cakes (decorating limit), the 4 remaining oven hours go to pies


def bakery(cake_price: float = 9.15, assumptions: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "assumptions": list(assumptions),
        "variables": {
            "cakes": {"type": "integer", "ub": 3, "description": "cakes baked"},
            "pies": {"type": "integer", "description": "pies baked"},
        },
        "objective": {
            "sense": "maximize",
            "expression": f"{cake_price} * cakes + 4 * pies",
            "description": "revenue in $",
        },
        "constraints": {
            "oven": {"expression": "2 * cakes + pies <= 10", "description": "oven hours"}
        },
    }


def fenced(document: dict[str, Any]) -> str:
    return f"```json\n{json.dumps(document)}\n```"


def test_wrong_reading_is_caught_corrected_and_the_correction_verified() -> None:
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(bakery(cake_price=9)),  # "9.15" read as 9 (the misreading seen with a real model)
        fenced(
            {
                "verdict": "wrong",
                "discrepancies": ["cakes sell for $9.15 -> the objective uses 9"],
                "formulation": bakery(assumptions=("oven hours are the only shared resource",)),
            }
        ),
        fenced({"verdict": "ok"}),
    )
    result = Formulator(llm, FormulatorConfig(max_attempts=4)).formulate(PROBLEM, "bakery")

    assert result.ok and result.result is not None
    assert result.result.objective == pytest.approx(RIGHT)
    assert result.verdict == "ok"
    assert result.assumptions == ("oven hours are the only shared resource",)
    assert [(a.stage, a.verdict) for a in result.attempts] == [
        ("ok", ""),
        ("ok", "wrong"),
        ("verify", "ok"),
    ]
    assert result.attempts[1].discrepancies == ("cakes sell for $9.15 -> the objective uses 9",)
    # The plan is shown in the problem's terms: objective with its basis, decisions, binding rows.
    shown = llm.requests[1].messages[-1].content
    assert "Objective (maximize; revenue in $): 43" in shown  # 9 * 3 + 4 * 4 with the misread price
    assert "- cakes = 3  (cakes baked)" in shown and "- pies = 4  (pies baked)" in shown
    assert "- oven (oven hours): binding at 10" in shown
    assert "Objective (maximize; revenue in $): 43.45" in llm.requests[2].messages[-1].content


def test_ok_verdict_ends_the_problem_without_another_call() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(bakery()), 'Checked every statement.\n```json\n{"verdict": "ok"}\n```')
    result = Formulator(llm, FormulatorConfig(max_attempts=4)).formulate(PROBLEM)

    assert result.ok and result.verdict == "ok" and len(llm.requests) == 2
    assert result.result is not None and result.result.objective == pytest.approx(RIGHT)
    assert llm.pending == 0


def test_one_attempt_means_no_verification() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(bakery(cake_price=9)))
    result = Formulator(llm, FormulatorConfig(max_attempts=1)).formulate(PROBLEM)
    assert len(llm.requests) == 1 and result.verdict == ""


def test_a_correction_that_does_not_validate_keeps_the_model_and_the_doubt() -> None:
    broken = bakery()
    broken["objective"]["expression"] = "9.15 * cake + 4 * pies"  # unknown name
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(bakery(cake_price=9)),
        fenced({"verdict": "wrong", "discrepancies": ["price"], "formulation": broken}),
    )
    config = FormulatorConfig(max_attempts=4, repair=False)
    result = Formulator(llm, config).formulate(PROBLEM)

    assert len(llm.requests) == 2  # without repair the failed correction is not fed back
    assert result.ok and result.verdict == "wrong"
    assert result.result is not None and result.result.objective == pytest.approx(43)
    assert result.attempts[-1].stage == "validate"


def test_a_failed_correction_is_repaired_within_the_budget() -> None:
    broken = bakery()
    broken["objective"]["expression"] = "9.15 * cake + 4 * pies"
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(bakery(cake_price=9)),
        fenced({"verdict": "wrong", "discrepancies": ["price"], "formulation": broken}),
        fenced(bakery()),
    )
    result = Formulator(llm, FormulatorConfig(max_attempts=3)).formulate(PROBLEM)

    assert "Validation found" in llm.requests[2].messages[-1].content
    assert result.result is not None and result.result.objective == pytest.approx(RIGHT)
    assert result.verdict == ""  # the budget ended before the corrected model could be verified


def test_verification_requests_ask_for_no_formulation_schema() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(bakery()), fenced({"verdict": "ok"}))
    Formulator(llm, FormulatorConfig(structured_output=True)).formulate(PROBLEM)
    assert llm.requests[0].json_schema is not None and llm.requests[1].json_schema is None


@pytest.mark.parametrize(
    ("reply", "verdict", "has_model"),
    [
        ('```json\n{"verdict": "OK"}\n```', "ok", False),
        ('{"verdict": "wrong", "discrepancies": "one"}', "wrong", False),
        (fenced(bakery()), "wrong", True),  # a bare Formulation is a correction
        ("The model looks fine to me.", "unreadable", False),
        ('```json\n{"answer": 3}\n```', "unreadable", False),
    ],
)
def test_verdict_replies_are_read_leniently(reply: str, verdict: str, has_model: bool) -> None:
    parsed = parse_verdict(reply)
    assert parsed.verdict == verdict and (parsed.formulation is not None) == has_model


def test_a_correction_identical_to_the_verified_model_ends_the_turn() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(bakery()), fenced(bakery()))  # a reply of only the same Formulation
    result = Formulator(llm, FormulatorConfig(max_attempts=4)).formulate(PROBLEM)
    assert len(llm.requests) == 2 and result.attempts[-1].stage == "verify"
    assert result.attempts[-1].feedback == "the same model"
    assert result.verdict == "unreadable"  # no verdict was stated


def unbounded_bakery() -> dict[str, Any]:
    """The bakery without its oven limit or decorating limit: revenue grows without end."""
    model = bakery()
    del model["constraints"]
    del model["variables"]["cakes"]["ub"]
    return model


def test_verify_method_corrects_an_unbounded_model_through_a_verdict() -> None:
    # The `verify` bench method does not repair; an unbounded model still gets a verdict turn.
    config = parse_method("verify").config
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(unbounded_bakery()),
        fenced(
            {
                "verdict": "wrong",
                "discrepancies": ["the oven has 10 hours -> no oven limit", "3 cakes at most"],
                "formulation": bakery(),
            }
        ),
        fenced({"verdict": "ok"}),
    )
    result = Formulator(llm, config).formulate(PROBLEM, "bakery")

    assert result.ok and result.result is not None
    assert result.result.objective == pytest.approx(RIGHT)
    assert result.verdict == "ok"
    assert [(a.stage, a.verdict) for a in result.attempts] == [
        ("unbounded", ""),
        ("ok", "wrong"),
        ("verify", "ok"),
    ]
    # The status is told in the model's terms: which decisions run away, with their descriptions.
    asked = llm.requests[1].messages[-1].content
    assert "UNBOUNDED" in asked and "(maximize; revenue in $)" in asked
    assert "- cakes  (cakes baked)" in asked and "- pies  (pies baked)" in asked
    assert '{"verdict": "ok"} only when the text itself makes the\nproblem unbounded' in asked


def test_verify_method_an_ok_verdict_on_an_infeasible_model_ends_without_another_call() -> None:
    infeasible = bakery()
    infeasible["constraints"]["order"] = {
        "expression": "cakes >= 6",
        "description": "cakes ordered by the cafe",
    }
    llm = ScriptedProvider()
    llm.enqueue(fenced(infeasible), fenced({"verdict": "ok"}))
    result = Formulator(llm, parse_method("verify").config).formulate(PROBLEM)

    assert len(llm.requests) == 2 and llm.pending == 0
    assert not result.ok and result.verdict == "ok"
    assert result.result is not None and result.result.status.value == "infeasible"
    assert "stopped after 2 attempt(s)" in result.reason and "infeasible" in result.reason
    asked = llm.requests[1].messages[-1].content
    assert "INFEASIBLE" in asked and "order (cakes ordered by the cafe): cakes >= 6" in asked


def test_repair_method_still_repairs_an_unbounded_model_with_the_repair_prompt() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(unbounded_bakery()), fenced(bakery()), fenced({"verdict": "ok"}))
    result = Formulator(llm, parse_method("repair").config).formulate(PROBLEM)

    assert "The model is unbounded" in llm.requests[1].messages[-1].content
    assert result.result is not None and result.result.objective == pytest.approx(RIGHT)
    assert [a.stage for a in result.attempts] == ["unbounded", "ok", "verify"]


def test_verify_method_a_status_verdict_needs_budget() -> None:
    llm = ScriptedProvider()
    llm.enqueue(fenced(unbounded_bakery()))
    config = dataclasses.replace(parse_method("verify").config, max_attempts=1)
    result = Formulator(llm, config).formulate(PROBLEM)
    assert len(llm.requests) == 1 and "unbounded" in result.reason
