"""The cross-check: a model written with the library's insights and one written without them; where their
answers differ, the LLM compares both against the text and its pick is the answer.

Only the LLM is scripted; validation, compilation and HiGHS are real.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from depot_problem import PER_CONTAINER, PER_TRUCK, PROBLEM, fenced, shipping

from optmodel.benchmarks.methods import parse_method
from optmodel.llm.cross_check import guided_first
from optmodel.llm.formulator import Formulator, FormulatorConfig, InsightContext, Problem
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.types import CompletionRequest, request_fingerprint

INSIGHT = "- A cost per km is paid for every unit shipped."  # a misleading insight for this text


def with_insight(problems: Any) -> list[InsightContext]:
    return [InsightContext(INSIGHT, ("ins-per-unit",)) for _ in problems]


def answering(guided: str, plain: str, judge: Callable[[str], str]) -> ScriptedProvider:
    """Guided conversations answer ``guided``, plain ones ``plain``; the cross-check is ``judge(question)``."""

    def answer(request: CompletionRequest) -> str:
        asked = request.messages[-1].content
        if request.request_id.endswith("/cross-check"):
            return judge(asked)
        return fenced(shipping(guided if INSIGHT in asked else plain, []))

    return ScriptedProvider(rules=answer)


def pick(answer: float) -> Callable[[str], str]:
    """A judge that picks the model whose answer is ``answer``, wherever it is shown."""

    def judge(question: str) -> str:
        shown = dict(re.findall(r"Model ([AB]) \(its answer: ([^)]*)\)", question))
        letter = next(k for k, v in shown.items() if float(v) == answer)
        return f'```json\n{{"differences": ["per truck vs per container"], "choice": "{letter}", "reason": "r"}}\n```'

    return judge


# Problem ids on both sides of the fixed order, so a pick is mapped right whichever model is shown first.
GUIDED_FIRST = next(f"p{n}" for n in range(100) if guided_first(f"p{n}"))
PLAIN_FIRST = next(f"p{n}" for n in range(100) if not guided_first(f"p{n}"))
CONFIG = FormulatorConfig(max_attempts=1, cross_check=True)


@pytest.mark.parametrize("winner", [PER_TRUCK, PER_CONTAINER])
def test_where_the_guided_and_plain_models_differ_the_cross_checks_pick_is_the_answer(
    winner: int,
) -> None:
    llm = answering("container", "truck", pick(winner))
    problems = [Problem(GUIDED_FIRST, PROBLEM), Problem(PLAIN_FIRST, PROBLEM)]
    results = Formulator(llm, CONFIG, insights=with_insight).formulate_many(problems)

    for result in results:
        assert result.result is not None and result.result.objective == pytest.approx(winner)
        assert result.chosen_sample == (1 if winner == PER_TRUCK else 0)
        check = [a for a in result.attempts if a.stage == "cross-check"]
        assert len(check) == 1
        side = "plain" if winner == PER_TRUCK else "guided"
        assert check[0].feedback.startswith(f"picked the {side} model")
        assert check[0].discrepancies == ("per truck vs per container",)
    questions = [r for r in llm.requests if r.request_id.endswith("/cross-check")]
    assert len(questions) == 2
    # The plain conversation's prompt has no insight; the question shows both models and the text.
    plain_prompts = [r for r in llm.requests if "/s1/" in r.request_id]
    assert plain_prompts and all(INSIGHT not in r.messages[-1].content for r in plain_prompts)
    for question in questions:
        text = question.messages[-1].content
        assert PROBLEM in text and "10 * 30 * trucks" in text and "10 * 30 * boxes" in text
    first = {q.request_id.split("/")[0]: q.messages[-1].content for q in questions}
    assert first[GUIDED_FIRST].index("(its answer: 2100)") < first[GUIDED_FIRST].index(
        "(its answer: 1200)"
    )
    assert first[PLAIN_FIRST].index("(its answer: 1200)") < first[PLAIN_FIRST].index(
        "(its answer: 2100)"
    )


def test_models_that_agree_are_not_cross_checked() -> None:
    llm = answering("truck", "truck", pick(PER_TRUCK))
    result = Formulator(llm, CONFIG, insights=with_insight).formulate(PROBLEM, "agree")
    assert result.result is not None and result.result.objective == pytest.approx(PER_TRUCK)
    assert [r.request_id for r in llm.requests] == ["agree/s0/a1", "agree/s1/a1"]
    assert result.agreement == (2, 2)


def test_a_problem_given_no_insight_is_formulated_once() -> None:
    llm = answering("container", "truck", pick(PER_TRUCK))
    result = Formulator(llm, CONFIG, insights=lambda ps: [InsightContext() for _ in ps]).formulate(
        PROBLEM, "plain"
    )
    assert [r.request_id for r in llm.requests] == ["plain/s0/a1"]
    assert result.result is not None and result.result.objective == pytest.approx(PER_TRUCK)


@pytest.mark.parametrize(
    "reply", ["I cannot decide.", '```json\n{"choice": "neither", "reason": "both misread"}\n```']
)
def test_without_a_readable_pick_the_usual_choice_stands(reply: str) -> None:
    llm = answering("container", "truck", lambda question: reply)
    result = Formulator(llm, CONFIG, insights=with_insight).formulate(PROBLEM, GUIDED_FIRST)
    # Two single-sample clusters: the usual rule takes the cleaner one, then the first (guided) sample.
    assert result.chosen_sample == 0 and result.result is not None
    assert result.result.objective == pytest.approx(PER_CONTAINER)
    (check,) = [a for a in result.attempts if a.stage == "cross-check"]
    assert check.feedback.endswith("the usual choice stands")


def test_the_checked_library_methods_cross_check_and_others_do_not() -> None:
    for name in ("library-checked", "library-starter-checked"):
        method = parse_method(name)
        assert method.uses_library and method.config.cross_check
    for name in ("library", "library-starter", "repair"):
        assert not parse_method(name).config.cross_check
    with pytest.raises(ValueError, match="samples must be 1"):
        FormulatorConfig(samples=2, cross_check=True)


def test_the_plain_conversation_asks_what_repair_asks_so_their_answers_are_shared() -> None:
    checked = answering("container", "truck", pick(PER_TRUCK))
    Formulator(checked, CONFIG, insights=with_insight).formulate(PROBLEM, "p")
    plain = ScriptedProvider(rules=lambda request: fenced(shipping("truck", [])))
    Formulator(plain, FormulatorConfig(max_attempts=1)).formulate(PROBLEM, "p")

    (plain_first,) = [r for r in checked.requests if r.request_id == "p/s1/a1"]
    assert request_fingerprint(plain_first) == request_fingerprint(plain.requests[0])
    (guided_first_request,) = [r for r in checked.requests if r.request_id == "p/s0/a1"]
    assert request_fingerprint(guided_first_request) != request_fingerprint(plain.requests[0])
