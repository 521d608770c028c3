"""ALNS inside HiGHS's branch-and-bound (``mode="tree"``).

HiGHS solves the full model as the host, so its presolve, cuts, conflict analysis, own heuristics and
dual bound all stay at work. The LNS is a primal heuristic inside it:

- the improving-solution callback keeps the incumbent;
- the worker process (:mod:`~optmodel.solvers.alns.lns_worker`) starts once HiGHS has an incumbent
  and a second has passed (``WORKER_START``);
- at each point where HiGHS accepts user solutions (``kCallbackMipUserSolution``) the worker runs
  steps: its bandit picks a destroy operator or the arm "let the tree run", a sub-MIP runs there, and
  an improvement goes back via ``data_in.setSolution``;
- sub-MIPs may use a share of the wall time so far that follows what they and the tree earned per
  second lately (:mod:`~optmodel.solvers.alns.tree_share`). The allowance accrues while the tree runs,
  so where HiGHS offers the callback rarely the LNS spends what it saved at the next offer, and a step
  starts only when the allowance pays the sub-MIP time limit the worker asks for;
- the interrupt callback stops the host at the deadline. HiGHS checks its own time limit (wall time,
  callbacks included, set to the budget left when the host starts) in the same place where it calls
  the interrupt callback, and some root phases reach that place only after seconds (plain HiGHS, one
  thread, independent-set transfer instance: 24.8 s at a 20 s limit), so this search runs in the host
  process (:mod:`~optmodel.solvers.alns.host_process`), which is killed at the deadline.

The host is blocked while the worker solves: one core at a time, ``threads`` each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from optmodel.solvers.alns.adaptation import starting_iteration_time
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.highs_model import build_highs
from optmodel.solvers.alns.lns_steps import TREE, StepResult
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.search import SearchResult
from optmodel.solvers.alns.state import MipState
from optmodel.solvers.alns.trajectory import Progress, Trajectory
from optmodel.solvers.alns.tree_share import LNS, ShareOfTime
from optmodel.solvers.alns.worker_client import STEP_GRACE, LnsWorker
from optmodel.solvers.highs_threads import use_highs_threads

#: Seconds kept in hand before the deadline for HiGHS to stop and for the result to be packed.
DEADLINE_MARGIN = 0.1
#: The worker process starts this long after the start, once HiGHS has an incumbent. Its start-up
#: (imports, ~2 s of CPU) competed with the host's first second, where easy instances find their
#: near-optimal solutions (set cover, 30 s: 1 % gap at 1.2 s against plain HiGHS's 0.4 s); an LNS step
#: cannot run before its allowance pays a whole sub-MIP anyway (~3 s at 30 s), and instances HiGHS
#: finishes in a second never start one.
WORKER_START = 1.0

_TERMINATION = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kIterationLimit": "iteration_limit",
    "kTimeLimit": "time_limit",
    "kInterrupt": "time_limit",  # our interrupt at the deadline
}


class _Host:
    """Callback state of one host solve."""

    def __init__(
        self,
        data: MipData | Callable[[], MipData],
        config: AlnsConfig,
        start: float,
        progress: Progress | None,
    ) -> None:
        self._data = data
        self.config = config
        self.start = start
        self.deadline = start + config.time_limit
        #: Started at the first callback past ``WORKER_START`` with an incumbent (see there).
        self.worker: LnsWorker | None = None
        self.trajectory = Trajectory(start, progress)
        self.incumbent: MipState | None = None
        self.lns_seconds = 0.0
        #: The sub-MIP time limit the worker asks for next; no step starts with less.
        self.wanted = max(starting_iteration_time(config), config.min_iteration_time)
        self.share = ShareOfTime(config.lns_share)
        self.steps = 0
        self.offers = 0
        self.offers_used = 0
        self.offer_times: list[float] = []
        self.handed_over = 0
        #: Seconds from the start until the worker first answered an offer.
        self.ready_at: float | None = None
        #: Seconds from the start until HiGHS first called back (its presolve and setup done).
        self.first_callback: float | None = None
        self.stats: dict[str, dict[str, float]] = {}

    @property
    def data(self) -> MipData:
        """The model; one still on its way is taken when first needed (the first incumbent)."""
        if not isinstance(self._data, MipData):
            self._data = self._data()
        return self._data

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def _elapsed(self) -> float:
        return time.perf_counter() - self.start

    def keep(self, x: np.ndarray, source: str) -> bool:
        """Keep ``x`` as the incumbent when it is feasible and strictly better."""
        state = MipState.from_solution(self.data, x)
        if self.incumbent is not None and state.min_objective >= self.incumbent.min_objective:
            return False
        if not self.data.is_feasible(state.x):
            return False
        before = None if self.incumbent is None else self.incumbent.min_objective
        side = TREE if source == TREE else LNS
        self.share.improved(time.perf_counter() - self.start, side, before, state.min_objective)
        self.incumbent = state
        self.trajectory.record(self.data.sense * state.min_objective, source, "best", x=state.x)
        return True

    def improving(self, event: Any) -> None:
        self.keep(np.asarray(event.data_out.mip_solution, dtype=float), TREE)
        self.interrupt(event)

    def interrupt(self, event: Any) -> bool:
        """Ask HiGHS to stop once the deadline is near; every callback asks (HiGHS offers the
        interrupt callback only between nodes, and its root phase can outlast its time limit).
        Every callback also starts the worker once it is due."""
        if self.first_callback is None:
            self.first_callback = round(self._elapsed(), 4)
        self.trajectory.bound(float(event.data_out.mip_dual_bound))
        late = self.remaining() < DEADLINE_MARGIN
        if late:
            event.data_in.user_interrupt = True
        elif self.worker is None and self.incumbent is not None and self._elapsed() >= WORKER_START:
            self.worker = LnsWorker(self.data, self.config)
        return late

    def user_solution(self, event: Any) -> None:
        self.offers += 1
        self.offer_times.append(round(time.perf_counter() - self.start, 3))
        if self.interrupt(event) or self.incumbent is None:
            return
        worker = self.worker
        if worker is None or not worker.poll_ready():
            return
        if self.ready_at is None:
            self.ready_at = round(time.perf_counter() - self.start, 3)
        used = False
        while self._may_step():
            elapsed = time.perf_counter() - self.start
            allowance = self.share.share(elapsed) * elapsed - self.lns_seconds
            limit = min(allowance, self.remaining() - DEADLINE_MARGIN - STEP_GRACE)
            # Wait until the allowance pays a whole sub-MIP: slivers of 0.1 s only reach
            # HiGHS's presolve and never improve (measured: 0 of 15 on a combinatorial auction).
            if limit < self.wanted:
                break
            began = time.perf_counter()
            # A sub-MIP may overrun its limit a little (HiGHS checks it between phases); far from the
            # deadline it gets more slack before the worker is given up for the rest of the run.
            wait = min(limit + max(STEP_GRACE, limit), self.remaining() - DEADLINE_MARGIN)
            result = worker.step(self.incumbent.x, limit, wait=wait)
            if result is None:
                self.trajectory.record(None, "worker", "lost", status=worker.failure)
                break
            used = True
            self.steps += 1
            ended = time.perf_counter()
            self.lns_seconds += ended - began
            if result.arm == TREE:
                # The bandit gave this sub-MIP's time to the tree: it is spent, not saved for later,
                # so a bandit that prefers the tree really shrinks the LNS share.
                self.lns_seconds += self.wanted
            else:
                self.share.stepped(began - self.start, ended - self.start)
            self.wanted = max(result.next_limit, self.config.min_iteration_time)
            self._count(result)
            self.trajectory.record(
                None if self.incumbent is None else self.data.sense * self.incumbent.min_objective,
                result.arm,
                "step",
                status=result.status,
                seconds=round(result.seconds, 4),
                limit=round(limit, 4),
                reward=round(result.reward, 4),
            )
            if result.arm == TREE:
                break
            if result.x is not None and self.keep(result.x, result.arm):
                status = event.data_in.setSolution(self.incumbent.x)
                self.handed_over += status.name == "kOk"
                break
        self.offers_used += used

    def _may_step(self) -> bool:
        limit = self.config.max_iterations
        return limit is None or self.steps < limit

    def _count(self, result: StepResult) -> None:
        stats = self.stats.setdefault(result.arm, {"calls": 0, "improvements": 0, "seconds": 0.0})
        stats["calls"] += 1
        stats["improvements"] += result.x is not None
        stats["seconds"] = round(stats["seconds"] + result.seconds, 4)


def run_tree_search(
    data: MipData | Callable[[], MipData],
    config: AlnsConfig,
    start: float,
    progress: Progress | None = None,
    highs: Any = None,
) -> SearchResult:
    """Solve ``data`` with HiGHS as the host and the LNS inside it, until ``start + time_limit``;
    ``progress`` hears of every incumbent and bound as they come. ``highs``: a ``Highs`` that holds
    the model already (read from its file); ``data`` may then be a function that gives the model
    when it is first needed."""
    import highspy

    host = _Host(data, config, start, progress)
    try:
        if highs is None:
            highs = build_highs(host.data, threads=config.threads, seed=config.seed)
        built = round(time.perf_counter() - start, 4)
        highs.setOptionValue("time_limit", max(host.remaining() - DEADLINE_MARGIN, 1e-3))
        highs.cbMipImprovingSolution.subscribe(host.improving)
        highs.cbMipUserSolution.subscribe(host.user_solution)
        highs.cbMipInterrupt.subscribe(host.interrupt)
        use_highs_threads(highs, config.threads)
        highs.run()
    finally:
        if host.worker is not None:
            host.worker.close()
    status = highs.getModelStatus()
    info = highs.getInfo()
    data = host.data
    if info.primal_solution_status == highspy.kSolutionStatusFeasible:
        host.keep(np.asarray(highs.getSolution().col_value, dtype=float), TREE)
    dual = float(info.mip_dual_bound)
    if not data.integer.any() and status == highspy.HighsModelStatus.kOptimal:
        dual = float(info.objective_function_value)
    best = host.incumbent
    notes = [
        f"host: {highs.modelStatusToString(status)}",
        f"user-solution offers: {host.offers} ({host.offers_used} used for LNS steps)",
    ]
    if host.worker is not None and host.worker.failure:
        notes.append(f"LNS worker: {host.worker.failure}")
    return SearchResult(
        x=None if best is None else best.x,
        objective=None if best is None else data.sense * best.min_objective,
        termination=_TERMINATION.get(status.name, "error"),
        dual_bound=dual if np.isfinite(dual) and abs(dual) < highspy.kHighsInf else None,
        iterations=host.steps,
        elapsed=host.trajectory.elapsed(),
        trajectory=host.trajectory.points,
        operators=host.stats,
        notes=notes,
        counters={
            "user_solution_offers": host.offers,
            "offers_used": host.offers_used,
            "lns_seconds": round(host.lns_seconds, 4),
            "solutions_handed_over": host.handed_over,
            "host_nodes": int(info.mip_node_count),
            "offer_times": host.offer_times,
            "worker_ready_at": host.ready_at,
            "startup": {"model_built": built, "first_callback": host.first_callback},
        },
    )
