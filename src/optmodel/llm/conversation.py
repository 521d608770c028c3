"""One sample of one problem as the formulator runs it: what became of each reply, and the state of the
conversation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from optmodel.llm.feedback import Feedback
from optmodel.llm.formulation_result import Attempt
from optmodel.llm.formulator_config import Problem
from optmodel.llm.self_consistency import Candidate
from optmodel.llm.types import ChatMessage
from optmodel.model_solver import ModelRun, run_formulation
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue
from optmodel.modeling.language.load import parse_document
from optmodel.modeling.solution_report import solution_report
from optmodel.solvers.base import SolveOptions


@dataclass(frozen=True)
class Evaluation:
    """What became of one extracted document (picklable, so it can be computed in a worker process)."""

    formulation: Formulation | None
    parse_issues: tuple[Issue, ...]
    run: ModelRun | None
    report: str = ""
    """The solution in the problem's terms (asked for when the model will be verified)."""


def evaluate_document(
    document: Any, solver: str, options: SolveOptions, report: bool = False
) -> Evaluation:
    """Parse, validate, compile, solve and check one decoded document (top-level: runs in worker processes)."""
    formulation, issues = parse_document(document)
    if formulation is None:
        return Evaluation(None, tuple(issues), None)
    run = run_formulation(formulation, solver=solver, options=options)
    text = ""
    if report and run.ok and run.result is not None and run.result.has_solution:
        data = run.compiled.data if run.compiled else None
        text = solution_report(formulation, run.result.solution, run.result.objective, data)
    # The compiled Pyomo model is large and not needed by the caller.
    return Evaluation(formulation, (), dataclasses.replace(run, compiled=None), text)


class Conversation:
    """One sample of one problem: its messages, attempts and final state."""

    def __init__(
        self, problem: Problem, sample: int, messages: list[ChatMessage], draw: int | None = None
    ) -> None:
        self.problem = problem
        self.sample = sample
        self.draw = sample if draw is None else draw
        """The sample index its requests carry (seed, ``sample_index``): the cross-check's plain
        conversation draws as a first sample, so its requests are the ones ``repair`` sends (and share
        their answers)."""
        self.messages = messages
        self.attempts: list[Attempt] = []
        self.done = False
        self.reason = ""
        self.final: Evaluation | None = None
        self.last_solved: Evaluation | None = None
        self.waiting = False
        """Self-consistency: waits for the first sample's readings before its first request."""
        self.steered = False
        """Self-consistency: asked to take an alternative reading of the text."""
        self.verifying = False
        """The last request asked for a verdict, not for a model."""
        self.checked: Evaluation | None = None
        """The model the verdict is asked on (``last_solved``, or one that did not solve cleanly)."""
        self.verdict = ""
        """The verdict on ``last_solved`` ('' until one is given)."""
        self.failed_verdict = ""
        """The verdict on the last model that did not solve cleanly."""
        self.failure: Feedback | None = None
        """What went wrong with the last model that did not solve cleanly."""


def same_model(a: Formulation | None, b: Formulation | None) -> bool:
    """Whether two Formulations are the same model, whatever their name, description and assumptions say."""
    if a is None or b is None:
        return False
    prose: dict[str, object] = {"name": "", "description": None, "assumptions": []}
    return a.model_copy(update=prose) == b.model_copy(update=prose)


def stopped_reason(conversation: Conversation) -> str:
    summary = conversation.failure.summary if conversation.failure else "unknown"
    return f"stopped after {len(conversation.attempts)} attempt(s); last problem: {summary}"


def candidate(conversation: Conversation) -> Candidate:
    evaluation = conversation.last_solved
    assert evaluation is not None and evaluation.run is not None
    result = evaluation.run.result
    answer = result.answer_value if result else None
    objective = float("nan") if answer is None else answer
    return Candidate(
        conversation.sample,
        float(objective),
        conversation.verdict,
        len(evaluation.run.warnings),
        len(conversation.attempts),
        conversation.steered,
    )
