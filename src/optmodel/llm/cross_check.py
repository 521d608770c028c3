"""The cross-check: where a model written with the experience library's insights and one written without
them solve to different answers, the LLM compares the two against the text and picks one.

Insights steer a reading. Measured with a real model on held-out problems, the same insights that turned
wrong answers right also turned right answers wrong (see ``benchmarks/results/standin-2026-12-03-test2``).
A second, unguided model is an independent reading: where the two agree nothing changes; where they differ,
the differences are concrete and can be checked against the text, which a single verdict on one model
cannot do.

>>> parse_choice('```json\\n{"choice": "b", "reason": "the text says purchased"}\\n```').pick
'B'
>>> parse_choice('{"choice": "neither"}').pick is None
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from string import Template
from typing import Literal

from optmodel.llm.conversation import Conversation, candidate
from optmodel.llm.extract import extract_document
from optmodel.llm.formulation_result import Attempt
from optmodel.llm.formulator_config import FormulatorConfig, Problem
from optmodel.llm.prompting import load_prompt, system_message
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.self_consistency import agree
from optmodel.llm.types import ChatMessage, CompletionRequest
from optmodel.modeling.language.ir import Formulation


@dataclass(frozen=True)
class Contender:
    """One of the two models compared: as written, its answer, and its solution in the problem's terms."""

    formulation: Formulation
    answer: float | None
    report: str


@dataclass(frozen=True)
class CrossCheck:
    """What the cross-check of one problem decided: the picked conversation's position (0: the guided one,
    1: the plain one; ``None``: no readable pick) and the exchange, recorded as an attempt."""

    picked: int | None
    attempt: Attempt


@dataclass(frozen=True)
class Choice:
    """The LLM's pick between model A and model B (``None``: neither, or no readable choice)."""

    pick: Literal["A", "B"] | None
    reason: str = ""
    differences: tuple[str, ...] = ()
    error: str = ""


def guided_first(problem_id: str) -> bool:
    """Whether the insight-guided model is shown as A. Fixed per problem (a stable hash) and half the
    problems each way, so a preference for either position cannot favour either model."""
    return hashlib.sha256(problem_id.encode("utf-8")).digest()[0] % 2 == 0


def cross_check_messages(
    problem: str, a: Contender, b: Contender, include_schema: bool = True
) -> tuple[ChatMessage, ...]:
    """A fresh conversation that asks which of two models follows ``problem``: the formulator's system
    message (it explains the format), then the question."""
    question = Template(load_prompt("cross_check.md")).safe_substitute(
        problem=problem.strip(),
        answer_a=_answer(a.answer),
        answer_b=_answer(b.answer),
        model_a=json.dumps(a.formulation.to_dict(), ensure_ascii=False),
        model_b=json.dumps(b.formulation.to_dict(), ensure_ascii=False),
        report_a=a.report.strip() or "(not available)",
        report_b=b.report.strip() or "(not available)",
    )
    return (system_message(include_schema), ChatMessage("user", question))


def parse_choice(reply: str) -> Choice:
    """The choice in a cross-check reply; an unreadable one picks nothing."""
    document = extract_document(reply).document
    if not isinstance(document, dict):
        return Choice(None, error="no JSON object with a choice in the reply")
    raw = str(document.get("choice", "")).strip().upper()
    differences = document.get("differences")
    listed = tuple(str(d) for d in differences) if isinstance(differences, list) else ()
    reason = str(document.get("reason", "")).strip()
    if raw in ("A", "B"):
        return Choice("A" if raw == "A" else "B", reason, listed)
    if raw == "NEITHER":
        return Choice(None, reason, listed)
    return Choice(None, reason, listed, error=f"choice {raw or '(missing)'} is not A, B or neither")


def cross_check(
    problems: Sequence[Problem],
    conversations: Mapping[str, Sequence[Conversation]],
    provider: LLMProvider,
    config: FormulatorConfig,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, CrossCheck]:
    """Where a problem's guided (position 0) and plain (position 1) conversations solved to different
    answers, ask which model follows the text, all in one batch; the verdict per problem asked."""
    asked: list[tuple[Problem, bool]] = []
    requests: list[CompletionRequest] = []
    for problem in problems:
        pair = conversations[problem.id]
        if len(pair) != 2 or any(c.last_solved is None for c in pair):
            continue
        guided, plain = (candidate(c) for c in pair)
        if agree(guided.objective, plain.objective, config.cluster_tolerance):
            continue
        first = guided_first(problem.id)
        a, b = (pair[0], pair[1]) if first else (pair[1], pair[0])
        messages = cross_check_messages(
            problem.text, _contender(a), _contender(b), config.include_schema
        )
        requests.append(
            CompletionRequest(
                messages=messages,
                max_tokens=config.max_tokens,
                temperature=config.sampling_temperature,
                seed=config.seed,
                request_id=f"{problem.id}/cross-check",
            )
        )
        asked.append((problem, first))
    if not requests:
        return {}
    if on_progress:
        on_progress("cross-check: asking the LLM", 0, len(requests))
    verdicts: dict[str, CrossCheck] = {}
    for (problem, first), request, response in zip(
        asked, requests, provider.complete(requests), strict=True
    ):
        choice = None if response.error else parse_choice(response.text)
        picked = None
        if choice is not None and choice.pick is not None:
            # Model A is the guided conversation (position 0) exactly when ``first``.
            picked = 0 if (choice.pick == "A") == first else 1
        attempt = Attempt(
            sample=0,
            number=1,
            messages=request.messages,
            response=response.text,
            stage="cross-check",
            feedback=_outcome(choice, response.error, picked),
            discrepancies=choice.differences if choice else (),
            prompt_tokens=response.usage.prompt_tokens,
            completion_tokens=response.usage.completion_tokens,
            llm_s=response.latency_s,
            cached=response.cached,
        )
        verdicts[problem.id] = CrossCheck(picked, attempt)
    return verdicts


def _contender(conversation: Conversation) -> Contender:
    evaluation = conversation.last_solved
    assert evaluation is not None and evaluation.formulation is not None and evaluation.run
    result = evaluation.run.result
    return Contender(
        evaluation.formulation, result.answer_value if result else None, evaluation.report
    )


def _outcome(choice: Choice | None, error: str | None, picked: int | None) -> str:
    if choice is None:
        return f"LLM error: {error}; the usual choice stands"
    if picked is None:
        why = choice.error or f"neither model follows the text: {choice.reason}"
        return f"{why}; the usual choice stands"
    return f"picked the {'guided' if picked == 0 else 'plain'} model: {choice.reason}"


def _answer(value: float | None) -> str:
    return "none" if value is None else f"{value:.10g}"


__all__ = [
    "Choice",
    "Contender",
    "CrossCheck",
    "cross_check",
    "cross_check_messages",
    "guided_first",
    "parse_choice",
]
