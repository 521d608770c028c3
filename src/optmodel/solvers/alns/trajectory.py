"""The record of a run: one point per initial solution and per ALNS iteration."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

#: ``alns.Outcome`` values by index.
OUTCOMES = ("best", "better", "accept", "reject")


@dataclass
class Trajectory:
    """Collects JSON-ready points ``{time, objective, operator, outcome, ...}``; times from ``start``."""

    start: float
    points: list[dict[str, Any]] = field(default_factory=list)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def record(self, objective: float | None, operator: str, outcome: str, **details: Any) -> None:
        """Append a point stamped with the current elapsed time (objective in the model's own sense)."""
        self.points.append(
            {
                "time": round(self.elapsed(), 4),
                "objective": objective,
                "operator": operator,
                "outcome": outcome,
                **details,
            }
        )
