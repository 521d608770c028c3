"""How much of the wall time the LNS may take inside HiGHS's tree, from what each side earned lately.

Both the tree search and the sub-MIPs improve the incumbent; what matters is the improvement per second
each gets. Over a recent window (a third of the elapsed time, at least ``MIN_WINDOW`` seconds) the LNS's
share of the time is set to its share of the earning rate, within ``[MIN_SHARE, MAX_SHARE]``. With no
improvement on either side in the window, or before the LNS has run, the configured share holds.

Measured (20-30 s, one thread): a fixed share of 0.2 starved the LNS where it was strong (combinatorial
auctions: the stand-alone LNS passed plain HiGHS's 30 s value within 6 s); a fixed 0.5 pushed HiGHS's
own improvements past the deadline where the tree was strong (50v-10, b1c1s1); and a cap of 0.8 let a
steadily improving LNS starve a root whose own heuristics would have halved the objective (50v-10:
5283 at 20 s against plain HiGHS's 3443). The tree always keeps at least half.

An LNS that has improved nothing in its first ``FAIR_TRIAL`` steps gets ``FRUITLESS_SHARE`` until it
does: on the combinatorial auctions no step of 23 in round 5 improved, yet through windows where
neither side improved the configured share held, and the allowance saved in the root was spent in a
burst of steps just where plain HiGHS finds its own improvements (benchmarks/results/alns_v2_round5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optmodel.solvers.alns.rewards import relative_gain

MIN_SHARE = 0.1
MAX_SHARE = 0.5
MIN_WINDOW = 3.0
FAIR_TRIAL = 4
FRUITLESS_SHARE = 0.05
LNS, TREE = "lns", "tree"


@dataclass
class ShareOfTime:
    """Earning-rate bookkeeping; times are seconds since the start of the solve."""

    base: float
    #: (start, end) of every LNS step (not of the "let the tree run" arm).
    lns_spells: list[tuple[float, float]] = field(default_factory=list)
    #: (time, side, relative gain) of every improvement of the incumbent.
    gains: list[tuple[float, str, float]] = field(default_factory=list)
    #: When the first incumbent appeared (the LNS cannot run before it).
    since: float | None = None

    def improved(self, at: float, side: str, before: float | None, after: float) -> None:
        """The incumbent went from ``before`` to ``after`` (minimisation) at ``at`` by ``side``."""
        if before is None:
            self.since = at if self.since is None else self.since
            return
        self.gains.append((at, side, relative_gain(before, after)))

    def stepped(self, began: float, ended: float) -> None:
        self.lns_spells.append((began, ended))

    def share(self, now: float) -> float:
        """The LNS's share of the wall time, judged on the recent window ending at ``now``."""
        if self.since is None or not self.lns_spells:
            return self.base
        if len(self.lns_spells) >= FAIR_TRIAL and all(side != LNS for _, side, _ in self.gains):
            return FRUITLESS_SHARE
        start = max(self.since, now - max(MIN_WINDOW, now / 3))
        lns_seconds = sum(max(0.0, min(b, now) - max(a, start)) for a, b in self.lns_spells)
        tree_seconds = max(now - start - lns_seconds, 1e-3)
        earned = {LNS: 0.0, TREE: 0.0}
        for at, side, gain in self.gains:
            if at >= start:
                earned[side] += gain
        if lns_seconds <= 0 or earned[LNS] + earned[TREE] <= 0:
            return self.base
        lns_rate = earned[LNS] / lns_seconds
        tree_rate = earned[TREE] / tree_seconds
        return min(MAX_SHARE, max(MIN_SHARE, lns_rate / (lns_rate + tree_rate)))
