"""What the formulator hands back: every attempt (one LLM call each) and the chosen, solved Formulation."""

from __future__ import annotations

from dataclasses import dataclass

from optmodel.llm.types import ChatMessage
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue
from optmodel.solvers.base import SolveResult


@dataclass(frozen=True)
class Attempt:
    """One LLM call and what became of its answer."""

    sample: int
    number: int
    messages: tuple[ChatMessage, ...]
    response: str
    stage: str
    """extract, validate, compile, solve, check, infeasible, unbounded, llm-error, verify, missing-data,
    cross-check or ok."""
    feedback: str = ""
    issues: tuple[Issue, ...] = ()
    objective: float | None = None
    status: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_s: float = 0.0
    compile_s: float = 0.0
    solve_s: float = 0.0
    cached: bool = False
    """The reply came from the response cache (or a recording), not from the LLM just now."""
    verdict: str = ""
    """For a verification call: ok, wrong or unreadable (its correction, if any, is this attempt's model)."""
    discrepancies: tuple[str, ...] = ()
    missing_data: tuple[str, ...] = ()
    """For a ``missing-data`` answer: what the model said the text does not give."""


@dataclass(frozen=True)
class FormulationResult:
    """The chosen Formulation and its solve result, with every attempt that led there."""

    problem_id: str
    formulation: Formulation | None
    result: SolveResult | None
    attempts: tuple[Attempt, ...]
    reason: str
    chosen_sample: int | None = None
    insight_ids: tuple[str, ...] = ()
    verdict: str = ""
    """The verification verdict on the chosen model: ok, wrong, unreadable, or '' when not verified."""
    agreement: tuple[int, int] = (0, 0)
    """Self-consistency: samples whose objective agrees with the chosen one, of the samples that solved."""

    @property
    def assumptions(self) -> tuple[str, ...]:
        """The readings of the text the chosen model states it made."""
        return tuple(self.formulation.assumptions) if self.formulation else ()

    @property
    def ok(self) -> bool:
        return self.result is not None and self.formulation is not None and self.reason == "solved"

    @property
    def missing_data(self) -> tuple[str, ...]:
        """Data the answer depends on that the text does not give: listed by the chosen model (its answer
        rests on the values its assumptions state), or by a reply that declined to formulate."""
        if self.formulation is not None and self.formulation.missing_data:
            return tuple(self.formulation.missing_data)
        if self.ok:
            return ()
        for attempt in reversed(self.attempts):
            if attempt.sample == self.chosen_sample and attempt.stage == "missing-data":
                return attempt.missing_data
        return ()

    @property
    def declined(self) -> bool:
        """The model said the text lacks data and wrote no model to solve."""
        return self.result is None and bool(self.missing_data)

    @property
    def llm_calls(self) -> int:
        return len(self.attempts)  # every attempt is one LLM call, failed ones included

    @property
    def llm_failed(self) -> bool:
        """No model because the LLM itself failed (network, HTTP status, timeout), not the model it wrote."""
        return (
            self.result is None and bool(self.attempts) and self.attempts[-1].stage == "llm-error"
        )

    @property
    def cached_calls(self) -> int:
        """Attempts answered from the response cache or a recording."""
        return sum(a.cached for a in self.attempts)

    def calls_text(self) -> str:
        """``3 LLM call(s)``, with how many of them were answered from the cache."""
        cached = f" ({self.cached_calls} cached)" if self.cached_calls else ""
        return f"{self.llm_calls} LLM call(s){cached}"

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)

    @property
    def llm_s(self) -> float:
        return sum(a.llm_s for a in self.attempts)

    @property
    def compile_s(self) -> float:
        return sum(a.compile_s for a in self.attempts)

    @property
    def solve_s(self) -> float:
        return sum(a.solve_s for a in self.attempts)


__all__ = ["Attempt", "FormulationResult"]
