"""The repair loop, driven by scripted LLM replies that make the mistakes real models make.

Only the LLM is scripted; validation, compilation, HiGHS and the checker are real.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from optmodel.llm.formulator import Formulator, FormulatorConfig, InsightContext, Problem
from optmodel.llm.providers.scripted import ScriptedProvider

PROBLEM = (
    "A factory makes doors and windows. Plant 1 has 4 hours, plant 2 has 12 hours and plant 3 has 18 hours "
    "per week. A door uses 1 hour in plant 1 and 3 hours in plant 3; a window uses 2 hours in plant 2 and "
    "2 hours in plant 3. Doors earn $3 and windows $5. Maximize weekly profit."
)
OPTIMUM = 36.0  # doors = 2, windows = 6


def model(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "sets": {"P": ["door", "window"], "PLANT": [1, 2, 3]},
        "parameters": {
            "profit": {"index": ["P"], "values": {"door": 3, "window": 5}},
            "hours": {"index": ["PLANT"], "values": {"1": 4, "2": 12, "3": 18}},
            "use": {
                "index": ["PLANT", "P"],
                "values": {
                    "1": {"door": 1, "window": 0},
                    "2": {"door": 0, "window": 2},
                    "3": {"door": 3, "window": 2},
                },
            },
        },
        "variables": {"make": {"index": ["P"], "description": "units per week"}},
        "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in P)"},
        "constraints": {
            "capacity": {
                "forall": "k in PLANT",
                "expression": "sum(use[k, p] * make[p] for p in P) <= hours[k]",
            }
        },
    }
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return document


def reply(document: dict[str, Any], prose: str = "Here is the model:") -> str:
    return f"{prose}\n```json\n{json.dumps(document)}\n```\nLet me know if you need anything else."


def last_user(provider: ScriptedProvider, call: int) -> str:
    return provider.requests[call].messages[-1].content


def test_repairs_broken_json_unknown_name_infeasibility_then_solves() -> None:
    llm = ScriptedProvider()
    llm.enqueue(
        '```json\n{"sets": {"P": ["door", "window"]}, "variables": \n```',  # cut-off JSON
        reply(
            model(
                objective={"sense": "maximize", "expression": "sum(proft[p] * make[p] for p in P)"}
            )
        ),
        reply(model(constraints__minimum={"expression": "sum(make[p] for p in P) >= 100"})),
        reply(model()),
    )
    result = Formulator(llm, FormulatorConfig(verify=False, max_attempts=5)).formulate(
        PROBLEM, "doors"
    )

    assert result.ok and result.reason == "solved"
    assert result.result is not None and result.result.objective == pytest.approx(OPTIMUM)
    assert [a.stage for a in result.attempts] == ["extract", "validate", "infeasible", "ok"]
    assert "invalid JSON" in last_user(llm, 1)
    assert "proft" in last_user(llm, 2) and "profit" in last_user(
        llm, 2
    )  # did-you-mean reaches the LLM
    assert "minimum" in last_user(llm, 3)  # the conflicting constraint is named
    assert result.llm_calls == 4 and result.prompt_tokens > 0


def test_unbounded_model_is_fed_back_with_the_runaway_variables() -> None:
    llm = ScriptedProvider()
    llm.enqueue(reply(model(constraints={})), reply(model()))
    result = Formulator(llm, FormulatorConfig(verify=False, max_attempts=3)).formulate(PROBLEM)
    assert (
        result.ok
        and result.result is not None
        and result.result.objective == pytest.approx(OPTIMUM)
    )
    assert result.attempts[0].stage == "unbounded"
    assert "unbounded" in last_user(llm, 1) and "make" in last_user(llm, 1)


def test_wrong_index_arity_is_reported_with_its_path() -> None:
    llm = ScriptedProvider()
    bad = model(
        objective={"sense": "maximize", "expression": "sum(profit[p] * make[p, p] for p in P)"}
    )
    llm.enqueue(reply(bad), reply(model()))
    result = Formulator(llm, FormulatorConfig(verify=False, max_attempts=3)).formulate(PROBLEM)
    assert result.ok
    assert result.attempts[0].stage == "validate"
    assert any(
        i.code.value == "index-arity" and i.path.startswith("objective")
        for i in result.attempts[0].issues
    )


def test_code_in_an_expression_is_rejected_not_run(tmp_path: Any) -> None:
    marker = tmp_path / "pwned"
    evil = model(
        objective={"sense": "maximize", "expression": f"__import__('os').system('touch {marker}')"}
    )
    llm = ScriptedProvider()
    llm.enqueue(reply(evil), reply(model()))
    result = Formulator(llm, FormulatorConfig(verify=False, max_attempts=2)).formulate(PROBLEM)
    assert not marker.exists()
    assert result.attempts[0].stage == "validate" and result.ok


def test_stops_within_the_attempt_budget_with_a_clear_reason() -> None:
    def unbounded(request: Any) -> str:
        # Always unbounded, and a different model each time (the same one sent back is a finding).
        bonus = request.request_id.rsplit("a", 1)[-1]
        objective = f"sum((profit[p] + {bonus}) * make[p] for p in P)"
        return reply(
            model(constraints={}, objective={"sense": "maximize", "expression": objective})
        )

    llm = ScriptedProvider(rules=unbounded)
    result = Formulator(llm, FormulatorConfig(verify=False, max_attempts=3)).formulate(PROBLEM)
    assert not result.ok
    assert len(llm.requests) == 3
    assert "stopped after 3 attempt(s)" in result.reason and "unbounded" in result.reason


def test_token_budget_stops_the_loop() -> None:
    llm = ScriptedProvider(rules=lambda request: "I am not sure how to model this.")
    result = Formulator(
        llm, FormulatorConfig(verify=False, max_attempts=10, max_total_tokens=1)
    ).formulate(PROBLEM)
    assert len(llm.requests) == 1
    assert "token budget" in result.reason and result.formulation is None


def test_provider_error_ends_the_problem_with_the_error() -> None:
    llm = ScriptedProvider()
    llm.enqueue_error("HTTP 503 after 3 retries")
    result = Formulator(llm).formulate(PROBLEM)
    assert not result.ok and "HTTP 503" in result.reason


def test_self_consistency_picks_the_majority_objective() -> None:
    llm = ScriptedProvider()
    wrong = model(parameters__profit={"index": ["P"], "values": {"door": 3, "window": 4}})  # 30
    llm.enqueue(reply(model()), reply(wrong), reply(model()))
    result = Formulator(llm, FormulatorConfig(samples=3, max_attempts=1)).formulate(PROBLEM)
    assert result.result is not None and result.result.objective == pytest.approx(OPTIMUM)
    assert {r.sample_index for r in llm.requests} == {0, 1, 2}
    assert result.agreement == (2, 3)  # the top cluster is not unanimous
    assert all(r.temperature > 0 for r in llm.requests)


def test_many_problems_go_out_as_one_batch_per_round() -> None:
    calls: list[int] = []

    class CountingProvider(ScriptedProvider):
        def complete(self, requests):  # type: ignore[no-untyped-def]
            calls.append(len(requests))
            return super().complete(requests)

    llm = CountingProvider()
    llm.enqueue(reply(model(constraints={})), reply(model()), reply(model()))
    problems = [Problem("a", PROBLEM), Problem("b", PROBLEM)]
    results = Formulator(llm, FormulatorConfig(verify=False, max_attempts=2)).formulate_many(
        problems
    )
    assert calls == [2, 1]  # round 1: both problems; round 2: only the one that needs a repair
    assert [r.problem_id for r in results] == ["a", "b"] and all(r.ok for r in results)


def test_insights_reach_the_prompt_and_are_recorded() -> None:
    def insights(problems: Any) -> list[InsightContext]:
        return [
            InsightContext("- Count products as integers when they are indivisible.", ("ins-7",))
            for _ in problems
        ]

    llm = ScriptedProvider()
    llm.enqueue(reply(model()))
    result = Formulator(llm, FormulatorConfig(verify=False), insights=insights).formulate(PROBLEM)
    assert "Count products as integers" in llm.requests[0].messages[-1].content
    assert result.insight_ids == ("ins-7",)


INFEASIBLE_PROBLEM = (
    "A plant makes pills from material: each hour of the process uses 60 units of material and makes 30 "
    "pills. 2000 units of material are available and at least 1200 pills are needed. Minimize the hours."
)


def pills(assumptions: list[str]) -> dict[str, Any]:
    return {
        "assumptions": assumptions,
        "variables": {"hours": {"description": "hours of the process"}},
        "objective": {"sense": "minimize", "expression": "hours"},
        "constraints": {
            "material": {"expression": "60 * hours <= 2000"},
            "pills": {"expression": "30 * hours >= 1200"},
        },
    }


def test_a_model_sent_back_unchanged_after_infeasible_feedback_is_the_finding() -> None:
    llm = ScriptedProvider()
    llm.enqueue(
        reply(pills([])),
        reply(pills(["2000 units make at most 1000 pills: the text as written admits no plan."])),
    )
    config = FormulatorConfig(max_attempts=4, verify=False)
    result = Formulator(llm, config).formulate(INFEASIBLE_PROBLEM, "pills")

    assert len(llm.requests) == 2  # no third request pressing for a model that solves
    assert "send the same model back" in last_user(llm, 1)
    assert [a.stage for a in result.attempts] == ["infeasible", "infeasible"]
    assert result.result is not None and result.result.is_infeasible
    assert "holds that the problem as written is infeasible" in result.reason


def test_a_changed_model_after_infeasible_feedback_is_repaired_as_usual() -> None:
    llm = ScriptedProvider()
    changed = pills([])
    changed["constraints"]["material"]["expression"] = (
        "60 * hours <= 2300"  # a different model, still infeasible
    )
    llm.enqueue(reply(pills([])), reply(changed), reply(changed))
    config = FormulatorConfig(max_attempts=4, verify=False)
    result = Formulator(llm, config).formulate(INFEASIBLE_PROBLEM, "pills")

    assert len(llm.requests) == 3
    assert [a.stage for a in result.attempts] == ["infeasible", "infeasible", "infeasible"]
    assert "holds that the problem" in result.reason  # the third reply repeated the second
