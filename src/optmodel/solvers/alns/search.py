"""The ALNS loop on a :class:`MipData`: initial solve, LP relaxation, then bandit-guided iterations.

Built on the ``alns`` package: ``ALNS.iterate`` runs the loop with a :class:`MipState`, the destroy
operators of :mod:`optmodel.solvers.alns.operators`, one repair operator (the sub-MIP solve),
``alns.accept.HillClimbing`` (sub-MIPs only return improvements, so nothing else would ever differ) and a
stopping criterion that respects the wall-clock deadline measured from ``start``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from optmodel.solvers.alns.adaptation import Adaptation
from optmodel.solvers.alns.config import DETERMINISTIC_NODE_LIMIT, AlnsConfig
from optmodel.solvers.alns.highs_model import lp_relaxation
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.operators import (
    DESTROY_OPERATORS,
    NEEDS_BINARIES,
    NEEDS_LP,
    OperatorContext,
)
from optmodel.solvers.alns.rewards import TimeAwareReward
from optmodel.solvers.alns.selection import load_bandit_dependencies_within, make_selector
from optmodel.solvers.alns.state import MipState, Move
from optmodel.solvers.alns.submip import SubMipOutcome, SubMipSolver
from optmodel.solvers.alns.trajectory import OUTCOMES, Progress, Trajectory

#: Wall-clock reserve before the deadline: no sub-MIP is started with less than this left over.
DEADLINE_MARGIN = 0.02
#: Caps (seconds) on the initial solve's time and stall limits, so long runs hand over to the LNS too.
INITIAL_TIME_CAP = 10.0
INITIAL_STALL_CAP = 2.0
#: Share of the remaining time the LP relaxation may take.
LP_TIME_SHARE = 0.15


@dataclass
class SearchResult:
    """What the search found; objectives in the model's own sense."""

    x: np.ndarray | None
    objective: float | None
    termination: str  # optimal, infeasible, unbounded, time_limit, iteration_limit
    dual_bound: float | None
    iterations: int
    elapsed: float
    trajectory: list[dict[str, Any]]
    operators: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Mode-specific counts (tree mode: user-solution offers, LNS seconds, host nodes).
    counters: dict[str, Any] = field(default_factory=dict)


def make_sub_solver(data: MipData, config: AlnsConfig) -> SubMipSolver:
    """The sub-MIP solver named by ``config.sub_solver``, loaded with ``data``."""
    if config.sub_solver == "cpsat":
        from optmodel.solvers.alns.cpsat_submip import CpSatSubMip

        return CpSatSubMip(data, threads=config.threads, seed=config.seed)
    from optmodel.solvers.alns.highs_submip import HighsSubMip

    return HighsSubMip(data, threads=config.threads, seed=config.seed)


class _Search:
    def __init__(
        self, data: MipData, config: AlnsConfig, start: float, progress: Progress | None
    ) -> None:
        self.data = data
        self.config = config
        self.deadline = start + config.time_limit
        self.trajectory = Trajectory(start, progress)
        self.context = OperatorContext(data)
        self.incumbent: MipState | None = None
        self.dual_bound: float | None = None  # minimisation form
        self.iterations = 0
        self.stats: dict[str, dict[str, float]] = {}
        self.ops: tuple[str, ...] = ()
        #: Worst time by which each operator's sub-MIP outlasted its limit (seconds).
        self.overruns: dict[str, float] = {}
        self.notes: list[str] = []

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def objective(self, state: MipState) -> float:
        return self.data.sense * state.min_objective

    # -- initial phase ------------------------------------------------------------------------
    def offer(self, x: np.ndarray, operator: str) -> None:
        """Keep ``x`` if it is feasible and better than the incumbent."""
        state = MipState.from_solution(self.data, x)
        if not self.data.is_feasible(state.x):
            return
        if self.incumbent is None or state.min_objective < self.incumbent.min_objective:
            self.incumbent = state
            self.context.remember(state.x)
            self.trajectory.record(self.objective(state), operator, "best", x=state.x)

    def initial(self, solver: SubMipSolver) -> str | None:
        """Run the initial solve; returns a termination reason when the search should stop here."""
        cfg = self.config
        outcome = solver.initial_solve(
            time_limit=min(
                cfg.initial_time_fraction * cfg.time_limit,
                INITIAL_TIME_CAP,
                self.remaining() - DEADLINE_MARGIN,
            ),
            stall_seconds=np.inf
            if cfg.deterministic
            else min(cfg.initial_stall_fraction * cfg.time_limit, INITIAL_STALL_CAP),
            on_solution=lambda x: self.offer(x, "initial"),
            stop_at_first=cfg.deterministic,
        )
        if outcome.x is None and not outcome.decided and self.remaining() > 2 * DEADLINE_MARGIN:
            # Nothing yet: keep going on the full model, but hand over at the first solution.
            self.notes.append(
                f"no solution after {self.trajectory.elapsed():.2f}s; solving until the first"
            )
            outcome = solver.initial_solve(
                time_limit=self.remaining() - DEADLINE_MARGIN,
                stall_seconds=np.inf,
                on_solution=lambda x: self.offer(x, "initial"),
                stop_at_first=True,
            )
        if outcome.x is not None:
            self.offer(outcome.x, "initial")
        if outcome.dual_bound is not None:
            self.dual_bound = self.data.sense * outcome.dual_bound
            self.trajectory.bound(outcome.dual_bound)
        self.notes.append(f"initial solve: {outcome.status} at {self.trajectory.elapsed():.2f}s")
        if outcome.unbounded:
            return "unbounded" if "nfeasible" not in outcome.status else "infeasible_or_unbounded"
        if outcome.proven_infeasible:
            return "infeasible"
        if outcome.proven_optimal and self.incumbent is not None:
            return "optimal"
        return None

    def proven_optimal(self) -> bool:
        if self.incumbent is None or self.dual_bound is None:
            return False
        bound = self.dual_bound
        if self.data.has_integral_objective:
            bound = float(np.ceil(bound - 1e-6))
        return self.incumbent.min_objective <= bound + 1e-9 * max(1.0, abs(bound))

    # -- iterations -----------------------------------------------------------------------------
    def operators(self, solver: SubMipSolver) -> tuple[str, ...]:
        ops = list(self.config.operators)
        if not len(self.data.binary_indices):
            ops = [op for op in ops if op not in NEEDS_BINARIES]
        if not getattr(solver, "supports_proximity", True) and "proximity" in ops:
            self.notes.append(
                "proximity disabled: CP-SAT needs an objective that scales to integers"
            )
            ops.remove("proximity")
        if any(op in NEEDS_LP for op in ops):
            limit = min(LP_TIME_SHARE * self.remaining(), self.remaining() - 2 * DEADLINE_MARGIN)
            self.context.lp_solution = lp_relaxation(self.data, limit, threads=self.config.threads)
            self.notes.append(f"LP relaxation done at {self.trajectory.elapsed():.2f}s")
            if self.context.lp_solution is None:
                self.notes.append("LP relaxation not solved in time: RINS, RENS and DINS disabled")
                ops = [op for op in ops if op not in NEEDS_LP]
        return tuple(ops) or ("random",)

    def iterate(self, solver: SubMipSolver) -> str:
        began = self.trajectory.elapsed()
        if not load_bandit_dependencies_within(self.remaining() - DEADLINE_MARGIN):
            self.notes.append("the bandit libraries were still loading at the deadline")
            return "time_limit"
        self.notes.append(f"bandit libraries loaded in {self.trajectory.elapsed() - began:.2f}s")
        from alns.accept import HillClimbing

        from alns import ALNS

        assert self.incumbent is not None
        ops = self.ops = self.operators(solver)
        adaptation = Adaptation(self.config, ops)
        rng = np.random.default_rng(self.config.seed)
        alns = ALNS(rng)
        for name in ops:
            alns.add_destroy_operator(self._destroy(name, adaptation), name=name)
        alns.add_repair_operator(self._repair(solver, adaptation), name=solver.name)
        selector = make_selector(
            self.config.policy, len(ops), self.config.seed, TimeAwareReward(), self._on_update(ops)
        )
        stop_reason: list[str] = []
        result = alns.iterate(self.incumbent, selector, HillClimbing(), self._stop(stop_reason))
        best = result.best_state
        if best.min_objective < self.incumbent.min_objective:
            self.incumbent = replace(best, neighbourhood=None, move=None)
        for name in ops:
            self.stats.setdefault(name, {})["final_rate"] = round(adaptation.rates[name], 4)
            self.stats[name]["worst_overrun"] = round(self.overruns.get(name, 0.0), 4)
        return stop_reason[0] if stop_reason else "time_limit"

    def _destroy(self, name: str, adaptation: Adaptation) -> Any:
        operator = DESTROY_OPERATORS[name]

        def destroy(state: MipState, rng: np.random.Generator, **_: Any) -> MipState:
            neighbourhood = operator(self.context, state.x, adaptation.rates[name], rng)
            return replace(state, neighbourhood=neighbourhood, move=None)

        destroy.__name__ = name
        return destroy

    def _repair(self, solver: SubMipSolver, adaptation: Adaptation) -> Any:
        data = self.data
        deterministic = self.config.deterministic
        node_limit = self.config.sub_mip_node_limit
        if deterministic and node_limit is None:
            node_limit = DETERMINISTIC_NODE_LIMIT

        def repair(destroyed: MipState, rng: np.random.Generator, **_: Any) -> MipState:
            nb = destroyed.neighbourhood
            assert nb is not None
            # HiGHS checks its time limit between phases, not inside all of them (a cut round on a
            # dense local-branching row once took 2.7 s past a 0.6 s limit): keep each operator's
            # worst overrun in reserve so no iteration ends past the deadline.
            reserve = self.overruns.get(nb.operator, 0.0)
            limit = min(adaptation.iteration_time, self.remaining() - DEADLINE_MARGIN - reserve)
            if limit < self.config.min_iteration_time:
                outcome = SubMipOutcome(None, "skipped", False, 0.0, 0.0)
            else:
                outcome = solver.solve(nb, destroyed, limit, node_limit)
                overrun = outcome.seconds - limit
                if overrun > self.overruns.get(nb.operator, 0.0):
                    self.overruns[nb.operator] = overrun
            before = destroyed.min_objective
            candidate, status = destroyed, outcome.status
            if outcome.x is not None:
                found = MipState.from_solution(data, outcome.x)
                improves = found.min_objective < before - 1e-9 * max(1.0, abs(before))
                if improves and data.is_feasible(found.x):
                    candidate, status = found, "improved"
                elif improves:
                    status = "rejected_infeasible"
            move = Move(
                operator=nb.operator,
                rate=adaptation.rates[nb.operator],
                seconds=outcome.seconds,
                time_limit=limit,
                effort=outcome.work if deterministic else outcome.seconds,
                effort_limit=None if deterministic or outcome.status == "skipped" else limit,
                status=status,
                solver_status=outcome.status,
                exhausted=outcome.exhausted,
                stopped_at_root=outcome.stopped_at_root,
                objective_before=before,
                objective_after=candidate.min_objective,
            )
            if outcome.status != "skipped":
                adaptation.update(move)
            return replace(candidate, neighbourhood=None, move=move)

        return repair

    def _on_update(self, ops: tuple[str, ...]) -> Any:
        def on_update(candidate: MipState, d_idx: int, outcome: int, reward: float) -> None:
            self.iterations += 1
            move = candidate.move
            assert move is not None
            if OUTCOMES[outcome] == "best":
                self.context.remember(candidate.x)
                self.incumbent = replace(candidate, move=None)
            assert self.incumbent is not None
            stats = self.stats.setdefault(
                ops[d_idx], {"calls": 0, "improvements": 0, "seconds": 0.0}
            )
            stats["calls"] += 1
            stats["improvements"] += OUTCOMES[outcome] == "best"
            stats["seconds"] = round(stats["seconds"] + move.seconds, 4)
            self.trajectory.record(
                self.objective(self.incumbent),
                move.operator,
                OUTCOMES[outcome],
                x=self.incumbent.x if OUTCOMES[outcome] == "best" else None,
                status=move.status,
                rate=round(move.rate, 4),
                seconds=round(move.seconds, 4),
                limit=round(move.time_limit, 4),
                reward=round(reward, 4),
            )

        return on_update

    def _stop(self, reason: list[str]) -> Any:
        max_iterations = self.config.max_iterations
        min_time = self.config.min_iteration_time + 2 * DEADLINE_MARGIN

        def stop(rng: np.random.Generator, best: MipState, current: MipState) -> bool:
            smallest_reserve = min((self.overruns.get(op, 0.0) for op in self.ops), default=0.0)
            if max_iterations is not None and self.iterations >= max_iterations:
                reason.append("iteration_limit")
            elif self.remaining() < min_time + smallest_reserve:
                reason.append("time_limit")
            elif self.proven_optimal():
                reason.append("optimal")
            return bool(reason)

        return stop


def run_search(
    data: MipData, config: AlnsConfig, start: float, progress: Progress | None = None
) -> SearchResult:
    """Run the ALNS on ``data`` until ``start + config.time_limit`` (``time.perf_counter`` seconds);
    ``progress`` hears of every incumbent and bound as they come."""
    search = _Search(data, config, start, progress)
    solver = make_sub_solver(data, config)
    built = round(search.trajectory.elapsed(), 4)
    termination = search.initial(solver)
    if termination is None and search.incumbent is None:
        termination = "time_limit"
    if termination is None:
        if search.proven_optimal():
            termination = "optimal"
        elif config.max_iterations == 0:
            termination = "iteration_limit"
        else:
            termination = search.iterate(solver)
    best = search.incumbent
    return SearchResult(
        x=None if best is None else best.x,
        objective=None if best is None else search.objective(best),
        termination=termination,
        dual_bound=None if search.dual_bound is None else data.sense * search.dual_bound,
        iterations=search.iterations,
        elapsed=search.trajectory.elapsed(),
        trajectory=search.trajectory.points,
        operators=search.stats,
        notes=search.notes,
        counters={"startup": {"model_built": built}},
    )
