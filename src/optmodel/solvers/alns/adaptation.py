"""Adaptive destroy rates (one per operator) and an adaptive per-iteration time limit.

The aim is a neighbourhood the time limit can just finish (like CP-SAT's LNS difficulty control): a
sub-MIP searched completely without improving was too small, so free more; one that hit its limit was
too large, so free less (a little less if it improved on the way). Unproductive time-outs also shorten
the limit, down to half its start; only when even the smallest neighbourhood cannot get past its root
node in time (a large LP part, as in facility location) does the limit grow.
"""

from __future__ import annotations

from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.state import Move

GROW = 1.2
#: Growth when the sub-MIP was exhausted within a tenth of its time limit: clearly far too small.
GROW_FAST = 1.5
SHRINK = 1.0 / 1.3
#: Growth after an improving sub-MIP that was solved completely: try a slightly larger move next;
#: shrink after one that improved but was cut off by its limit.
GROW_ON_SUCCESS = 1.1
SHRINK_ON_SUCCESS = 0.9
TIME_GROW = 1.2
#: Cap on the starting per-iteration limit (seconds), whatever the budget.
MAX_START_TIME = 2.0
TIME_SHRINK = 0.95


def starting_iteration_time(config: AlnsConfig) -> float:
    """The per-iteration time limit a search starts with."""
    return min(config.iteration_time_fraction * config.time_limit, MAX_START_TIME)


class Adaptation:
    """Holds and updates the destroy rate of each operator and the iteration time limit."""

    def __init__(self, config: AlnsConfig, operators: tuple[str, ...]) -> None:
        self._config = config
        self.rates = dict.fromkeys(operators, config.destroy_rate)
        start = starting_iteration_time(config)
        # Failures shrink the limit, but never below half its start: a limit near the solver's
        # fixed overhead makes every neighbourhood look too big, so the rates would collapse too.
        self._min_time = max(config.min_iteration_time, 0.5 * start)
        self._max_time = max(self._min_time, config.max_iteration_time_fraction * config.time_limit)
        self.iteration_time = self._clamp_time(start)

    def _clamp_time(self, seconds: float) -> float:
        return min(self._max_time, max(self._min_time, seconds))

    def _clamp_rate(self, rate: float) -> float:
        return min(self._config.max_destroy_rate, max(self._config.min_destroy_rate, rate))

    def update(self, move: Move) -> None:
        """Adjust the operator's rate and the time limit after ``move``."""
        improved = move.objective_after < move.objective_before
        rate = self.rates[move.operator]
        at_min_rate = rate <= self._config.min_destroy_rate * (1 + 1e-9)
        if move.exhausted and not improved:
            fast = move.effort_limit is not None and move.effort < 0.1 * move.effort_limit
            self.rates[move.operator] = self._clamp_rate(rate * (GROW_FAST if fast else GROW))
        elif move.exhausted:
            self.rates[move.operator] = self._clamp_rate(rate * GROW_ON_SUCCESS)
        elif move.stopped_at_root and at_min_rate and not self._config.deterministic:
            # Even the smallest neighbourhood's root outlasts the limit (e.g. a large LP part):
            # shrinking further cannot help, more time can.
            self.iteration_time = self._clamp_time(self.iteration_time * TIME_GROW)
        elif not improved:
            self.rates[move.operator] = self._clamp_rate(rate * SHRINK)
            if move.solver_status == "time_limit" and not self._config.deterministic:
                self.iteration_time = self._clamp_time(self.iteration_time * TIME_SHRINK)
        else:
            # Improved, but cut off by the limit: aim for a neighbourhood the limit can finish.
            self.rates[move.operator] = self._clamp_rate(rate * SHRINK_ON_SUCCESS)
