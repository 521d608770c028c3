"""Adaptive destroy rates (one per operator) and an adaptive per-iteration time limit.

A sub-MIP that is searched completely without improving means the neighbourhood was too small: free
more. One that hits its time limit without improving was too large: free less. An improvement found at
the time limit suggests the search was cut short while productive: allow longer iterations.
"""

from __future__ import annotations

from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.state import Move

GROW = 1.2
#: Growth when the sub-MIP was exhausted within a tenth of its time limit: clearly far too small.
GROW_FAST = 1.5
SHRINK = 1.0 / 1.3
TIME_GROW = 1.5
TIME_SHRINK = 0.95


class Adaptation:
    """Holds and updates the destroy rate of each operator and the iteration time limit."""

    def __init__(self, config: AlnsConfig, operators: tuple[str, ...]) -> None:
        self._config = config
        self.rates = dict.fromkeys(operators, config.destroy_rate)
        self._min_time = config.min_iteration_time
        self._max_time = max(self._min_time, config.max_iteration_time_fraction * config.time_limit)
        self.iteration_time = self._clamp_time(config.iteration_time_fraction * config.time_limit)

    def _clamp_time(self, seconds: float) -> float:
        return min(self._max_time, max(self._min_time, seconds))

    def _clamp_rate(self, rate: float) -> float:
        return min(self._config.max_destroy_rate, max(self._config.min_destroy_rate, rate))

    def update(self, move: Move) -> None:
        """Adjust the operator's rate and the time limit after ``move``."""
        improved = move.objective_after < move.objective_before
        rate = self.rates[move.operator]
        if move.exhausted and not improved:
            fast = move.effort_limit is not None and move.effort < 0.1 * move.effort_limit
            self.rates[move.operator] = self._clamp_rate(rate * (GROW_FAST if fast else GROW))
        elif not move.exhausted and not improved:
            self.rates[move.operator] = self._clamp_rate(rate * SHRINK)
            if move.status == "time_limit" and not self._config.deterministic:
                self.iteration_time = self._clamp_time(self.iteration_time * TIME_SHRINK)
        elif improved and move.status == "time_limit" and not self._config.deterministic:
            self.iteration_time = self._clamp_time(self.iteration_time * TIME_GROW)
