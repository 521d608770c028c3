"""Time-aware rewards: relative improvement per second, scaled against the recent pace.

A fixed score per outcome (Balans: best/better/accept/reject = 8/4/2/1) pays a 5-second iteration the
same as a 50-millisecond one. Here an iteration earns ``pace / (pace + reference)`` where ``pace`` is the
relative objective improvement per second (per unit of solver work in deterministic mode) and
``reference`` an exponential average of the paces of
recent improving iterations — so rewards stay in [0, 1) and keep their meaning as improvements shrink.
Iterations that improve nothing earn at most a small credit for the share of their time limit they
left unused, so an operator that fails fast ranks above one that burns its whole limit failing.
"""

from __future__ import annotations

from optmodel.solvers.alns.state import Move

#: Weight of the newest improving pace in the running reference.
REFERENCE_SMOOTHING = 0.3
#: Reward of a failed iteration that took no time at all (scaled down linearly to 0 at its time limit).
FAST_FAILURE_CREDIT = 0.05
#: Effort below which iterations are treated as equally fast (timer resolution, solver overhead).
MIN_SECONDS = 1e-3


def relative_gain(before: float, after: float) -> float:
    """Relative objective improvement of a minimisation step, 0 when nothing improved."""
    if after >= before:
        return 0.0
    return (before - after) / max(abs(before), abs(after), 1e-9)


class TimeAwareReward:
    """Turns a :class:`Move` into a reward in [0, 1)."""

    def __init__(self, smoothing: float = REFERENCE_SMOOTHING) -> None:
        if not 0 < smoothing <= 1:
            raise ValueError(f"smoothing must be in (0, 1], got {smoothing}")
        self._smoothing = smoothing
        self.reference: float | None = None

    def __call__(self, move: Move) -> float:
        gain = relative_gain(move.objective_before, move.objective_after)
        if gain <= 0:
            if not move.effort_limit:
                return 0.0
            unused = 1.0 - move.effort / move.effort_limit
            return FAST_FAILURE_CREDIT * min(1.0, max(0.0, unused))
        pace = gain / max(move.effort, MIN_SECONDS)
        reference = pace if self.reference is None else self.reference
        self.reference = (1 - self._smoothing) * reference + self._smoothing * pace
        return pace / (pace + reference)
