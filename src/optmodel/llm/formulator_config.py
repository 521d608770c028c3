"""What the formulator is asked (a problem, the experience library's context for it) and how it works."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from optmodel.llm.self_consistency import CLUSTER_TOLERANCE
from optmodel.solvers.base import SolveOptions


@dataclass(frozen=True)
class Problem:
    """A problem to formulate. ``related_ids`` name near-identical problems (their examples are hidden too)."""

    id: str
    text: str
    related_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class InsightContext:
    """What the experience library contributes to one problem's prompt."""

    text: str = ""
    insight_ids: tuple[str, ...] = ()


class InsightSource(Protocol):
    """Hook filled by the experience library: insights for a batch of problems (one call per batch)."""

    def __call__(self, problems: Sequence[Problem]) -> list[InsightContext]: ...


@dataclass(frozen=True)
class FormulatorConfig:
    max_attempts: int = 4
    """LLM calls per sample; 1 means no repair."""
    samples: int = 1
    """Self-consistency: sample this many formulations and pick by majority over solved objectives."""
    steer_readings: bool = True
    """Self-consistency: the first sample answers first; the others are asked to take the alternatives of
    the readings it lists in ``assumptions`` (one round later)."""
    cluster_tolerance: float = CLUSTER_TOLERANCE
    """Self-consistency: objective values within this relative distance are one answer."""
    temperature: float | None = None
    """Defaults to 0 for one sample and 0.7 for several."""
    max_tokens: int = 4096
    max_total_tokens: int | None = None
    """Budget of prompt + completion tokens per problem, over all samples and attempts."""
    solver: str = "auto"
    solve_options: SolveOptions = field(default_factory=lambda: SolveOptions(time_limit=60.0))
    use_examples: bool = True
    include_schema: bool = True
    structured_output: bool = False
    """Ask the provider for output matching the Formulation's JSON Schema (where it supports it)."""
    seed: int = 0
    verify: bool = True
    """After a model solves, show the LLM its plan and ask for a verdict (uses the attempt budget); without
    ``repair``, a model that is infeasible, unbounded or fails in the solver is verified the same way."""
    repair: bool = True
    """Feed failures back for another attempt; without it only a verification's correction is tried."""
    cross_check: bool = False
    """With insights from the experience library: a second conversation formulates the problem without
    them, and where the two models solve to different answers the LLM compares both against the text and
    picks one (:mod:`optmodel.llm.cross_check`). Problems given no insights are formulated once."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.samples < 1:
            raise ValueError("samples must be at least 1")
        if self.cross_check and self.samples > 1:
            raise ValueError(
                "cross_check compares one guided and one plain model: samples must be 1"
            )

    @property
    def sampling_temperature(self) -> float:
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.samples == 1 else 0.7
