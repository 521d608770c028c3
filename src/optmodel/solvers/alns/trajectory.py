"""The record of a run: one point per initial solution and per ALNS iteration, streamed as it grows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

#: ``alns.Outcome`` values by index.
OUTCOMES = ("best", "better", "accept", "reject")


class Progress(Protocol):
    """Who hears of the run as it goes (the host process streams it to its parent)."""

    def point(self, point: dict[str, Any], x: np.ndarray | None) -> None:
        """A trajectory point; ``x`` is the new incumbent when the point records one."""

    def bound(self, value: float) -> None:
        """The dual bound (the model's own sense) moved to ``value``."""


@dataclass
class Trajectory:
    """Collects JSON-ready points ``{time, objective, operator, outcome, ...}``; times from ``start``."""

    start: float
    progress: Progress | None = None
    points: list[dict[str, Any]] = field(default_factory=list)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def record(
        self,
        objective: float | None,
        operator: str,
        outcome: str,
        *,
        x: np.ndarray | None = None,
        **details: Any,
    ) -> None:
        """Append a point stamped with the current elapsed time (objective in the model's own sense);
        pass the incumbent as ``x`` when the point records a new one."""
        point = {
            "time": round(self.elapsed(), 4),
            "objective": objective,
            "operator": operator,
            "outcome": outcome,
            **details,
        }
        self.points.append(point)
        if self.progress is not None:
            self.progress.point(point, x)

    def bound(self, value: float) -> None:
        if self.progress is not None:
            self.progress.bound(value)
