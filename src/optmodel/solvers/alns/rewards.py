"""Time-aware rewards: the bandit learns improvement per unit of time, not per call.

A fixed score per outcome (Balans: best/better/accept/reject = 8/4/2/1) pays a 5-second iteration the
same as a 50-millisecond one. Here an iteration is reported to the bandit as one observation per
*time quantum* it used (a tenth of its time limit; a fixed amount of solver work in deterministic
mode): the first carries the improvement's score, the rest are zeros. A bandit's mean reward per
observation is then the score earned per quantum of time, so an operator that burns its whole limit
failing collects ten zeros while one that fails in a flash collects one.

The score of an improvement is ``gain / (gain + reference)``, with ``gain`` the relative objective
improvement and ``reference`` an exponential average of recent gains — in [0, 1) and still meaningful
as improvements shrink over a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from optmodel.solvers.alns.state import Move

#: Weight of the newest gain in the running reference.
REFERENCE_SMOOTHING = 0.3
#: Observations per iteration are capped: a very slow iteration should not flood the bandit.
MAX_QUANTA = 20
#: Quanta per time limit; and the work (simplex iterations + nodes) per quantum in deterministic mode.
QUANTA_PER_LIMIT = 10
DETERMINISTIC_QUANTUM = 2000.0


def relative_gain(before: float, after: float) -> float:
    """Relative objective improvement of a minimisation step, 0 when nothing improved."""
    if after >= before:
        return 0.0
    return (before - after) / max(abs(before), abs(after), 1e-9)


@dataclass(frozen=True)
class Reward:
    """What one iteration tells the bandit: ``score`` once, then ``quanta - 1`` zeros."""

    score: float
    quanta: int

    def observations(self) -> list[float]:
        return [self.score] + [0.0] * (self.quanta - 1)


class TimeAwareReward:
    """Turns a :class:`Move` into a :class:`Reward`."""

    def __init__(self, smoothing: float = REFERENCE_SMOOTHING) -> None:
        if not 0 < smoothing <= 1:
            raise ValueError(f"smoothing must be in (0, 1], got {smoothing}")
        self._smoothing = smoothing
        self.reference: float | None = None

    def __call__(self, move: Move) -> Reward:
        quantum = (
            move.effort_limit / QUANTA_PER_LIMIT if move.effort_limit else DETERMINISTIC_QUANTUM
        )
        quanta = min(MAX_QUANTA, max(1, round(move.effort / quantum)))
        gain = relative_gain(move.objective_before, move.objective_after)
        if gain <= 0:
            return Reward(0.0, quanta)
        reference = gain if self.reference is None else self.reference
        self.reference = (1 - self._smoothing) * reference + self._smoothing * gain
        return Reward(gain / (gain + reference), quanta)
