"""The boundary between the experience library and the layers above it.

The library never imports an LLM provider or the formulator: whoever uses it passes them in as plain
callables that satisfy these protocols. Every callable is *batched* (a list in, a list out, same order), so a
local GPU model or an HTTP server sees many requests at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from optmodel.experience_library.insight import Insight

AnswerStatus = Literal["optimal", "infeasible", "unbounded", "unknown"]


@dataclass(frozen=True)
class Problem:
    """A problem the library retrieves for or learns from.

    ``answer`` is the known optimal objective (training problems); ``answer_status`` says what kind of
    answer is known (``"infeasible"`` problems have no number). Retrieval needs only ``id`` and ``text``.
    """

    id: str
    text: str
    answer: float | None = None
    answer_status: AnswerStatus = "optimal"

    @property
    def has_known_answer(self) -> bool:
        """True when the problem can be used for learning (a number, or a known infeasible/unbounded)."""
        if self.answer_status == "optimal":
            return self.answer is not None
        return self.answer_status in ("infeasible", "unbounded")


@dataclass(frozen=True)
class VerifyTask:
    """One formulate-and-solve request: ``problem`` with exactly ``insights`` injected into the prompt.

    ``purpose`` says why the library asks (``"attempt"``, ``"verify"``, ``"merge"``, ``"refine"``), for logs.
    """

    problem: Problem
    insights: tuple[Insight, ...] = ()
    purpose: str = "attempt"


@dataclass(frozen=True)
class AttemptOutcome:
    """What came of one formulate-and-solve attempt.

    ``correct`` is decided by the caller's scoring rule against the known answer (None when there is no
    answer). ``feedback`` is the solver's / validator's text (errors, infeasibility, IIS) shown to the LLM when
    diagnosing a failure; ``formulation_json`` is the Formulation the LLM wrote (None if it wrote none).
    """

    correct: bool
    status: str = "unknown"
    objective: float | None = None
    formulation_json: str | None = None
    feedback: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class Completer(Protocol):
    """Batched LLM text completion: one answer per prompt, in order. Raise LLMError on failure."""

    def __call__(self, prompts: Sequence[str]) -> list[str]: ...


class FormulateAttempt(Protocol):
    """Formulate and solve each task's problem with its insights injected; one outcome per task, in order."""

    def __call__(self, tasks: Sequence[VerifyTask]) -> list[AttemptOutcome]: ...


class Embedder(Protocol):
    """Optional dense embeddings for first-stage retrieval: one vector per text, in order."""

    def __call__(self, texts: Sequence[str]) -> Sequence[Sequence[float]]: ...
