"""One LNS step on request, inside the worker process: the bandit picks a destroy operator or the arm
"let the tree run", the sub-MIP runs on this process's own reused ``Highs``, and the bandit learns the
improvement per second each arm earned.

The "tree" arm earns what the host's own search gained per second of host time (whichever arm was
chosen, the host runs between steps); a destroy operator earns what its sub-MIP gained over the time it
took. Both go through :class:`TimeAwareReward` (one observation per tenth of the current sub-MIP limit),
so on instances where the tree search improves faster the bandit picks "tree" more and the LNS share
shrinks by itself.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optmodel.solvers.alns.adaptation import Adaptation
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.highs_model import lp_relaxation
from optmodel.solvers.alns.highs_submip import HighsSubMip
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.operators import (
    DESTROY_OPERATORS,
    NEEDS_BINARIES,
    NEEDS_LP,
    OperatorContext,
)
from optmodel.solvers.alns.rewards import QUANTA_PER_LIMIT, TimeAwareReward
from optmodel.solvers.alns.selection import learning_policy
from optmodel.solvers.alns.state import MipState, Move

#: The arm that hands the time back to the host's branch-and-bound.
TREE = "tree"


@dataclass(frozen=True)
class StepResult:
    """What one step did; ``x`` is a strictly better feasible solution or None."""

    arm: str
    x: np.ndarray | None
    seconds: float
    status: str
    rate: float | None = None
    reward: float = 0.0
    #: The sub-MIP time limit the worker's adaptation wants next (the host waits until it can pay it).
    next_limit: float = 0.0


class LnsSteps:
    """The worker's state: sub-MIP solver, operator context, destroy rates and the bandit."""

    def __init__(self, data: MipData, config: AlnsConfig) -> None:
        self.data = data
        self.config = config
        self.solver = HighsSubMip(data, threads=config.threads, seed=config.seed)
        self.context = OperatorContext(data)
        ops = [
            op for op in config.operators if op not in NEEDS_BINARIES or len(data.binary_indices)
        ]
        self.ops = tuple(ops) or ("random",)
        self.adaptation = Adaptation(config, self.ops)
        self.reward = TimeAwareReward()
        self.rng = np.random.default_rng(config.seed)
        self.bandit = _Bandit([*self.ops, TREE], config.policy, config.seed)
        self.lp_pending = any(op in NEEDS_LP for op in self.ops)
        #: Host time since the tree arm was last credited, the objective it started from, and
        #: when the previous step returned (the host runs between steps).
        self.host_seconds = 0.0
        self.host_from: float | None = None
        self.returned: float | None = None

    def step(self, x: np.ndarray, limit: float) -> StepResult:
        """Credit the tree arm with the host's progress since the last step, pick an arm and run it
        within ``limit`` seconds."""
        state = MipState.from_solution(self.data, x)
        self._credit_tree(state.min_objective)
        result = replace(self._run(state, limit), next_limit=self.adaptation.iteration_time)
        if result.x is not None:
            self.host_from = MipState.from_solution(self.data, result.x).min_objective
        self.returned = time.perf_counter()
        return result

    def _credit_tree(self, objective: float) -> None:
        """The tree earns what the host gained per host second, however the arms were chosen. Host
        intervals shorter than a reward quantum (the root offers the callback every few
        milliseconds) are pooled until they fill one, so they are not each scored as a failure."""
        if self.returned is not None and self.host_from is not None:
            self.host_seconds += time.perf_counter() - self.returned
            quantum = self.adaptation.iteration_time / QUANTA_PER_LIMIT
            if self.host_seconds >= quantum or objective < self.host_from:
                move = self._move(TREE, self.host_seconds, self.host_from, objective, "tree")
                self._learn(TREE, move)
                self.host_seconds, self.host_from = 0.0, None
        if self.host_from is None:
            self.host_from = objective

    def _run(self, state: MipState, limit: float) -> StepResult:
        start = time.perf_counter()
        self.context.remember(state.x)
        arm = self.bandit.choose(self.rng)
        if arm == TREE:
            return StepResult(TREE, None, 0.0, "tree")
        if arm in NEEDS_LP and self.lp_pending:
            return self._solve_lp(limit, start)
        rate = self.adaptation.rates[arm]
        neighbourhood = DESTROY_OPERATORS[arm](self.context, state.x, rate, self.rng)
        time_limit = min(limit, self.adaptation.iteration_time)
        outcome = self.solver.solve(
            neighbourhood, state, time_limit, self.config.sub_mip_node_limit
        )
        found, status = None, outcome.status
        after = state.min_objective
        if outcome.x is not None:
            candidate = MipState.from_solution(self.data, outcome.x)
            better = candidate.min_objective < after - 1e-9 * max(1.0, abs(after))
            if better and self.data.is_feasible(candidate.x):
                found, status, after = candidate.x, "improved", candidate.min_objective
        move = self._move(arm, outcome.seconds, state.min_objective, after, status, outcome)
        self.adaptation.update(move)
        reward = self._learn(arm, move)
        return StepResult(arm, found, outcome.seconds, status, rate, reward)

    def _solve_lp(self, limit: float, start: float) -> StepResult:
        """RINS, RENS and DINS need the LP relaxation: solve it once, within this step's limit."""
        self.lp_pending = False
        self.context.lp_solution = lp_relaxation(self.data, limit, threads=self.config.threads)
        status = "lp_solved"
        if self.context.lp_solution is None:
            status = "lp_not_solved: rins, rens, dins disabled"
            for op in NEEDS_LP & set(self.ops):
                self.bandit.remove(op)
        return StepResult("lp_relaxation", None, time.perf_counter() - start, status)

    def _move(
        self,
        arm: str,
        seconds: float,
        before: float,
        after: float,
        status: str,
        outcome: Any = None,
    ) -> Move:
        limit = self.adaptation.iteration_time
        return Move(
            operator=arm,
            rate=self.adaptation.rates.get(arm, 0.0),
            seconds=seconds,
            time_limit=limit,
            effort=seconds,
            effort_limit=limit,
            status=status,
            solver_status=outcome.status if outcome is not None else status,
            exhausted=bool(outcome is not None and outcome.exhausted),
            stopped_at_root=bool(outcome is not None and outcome.stopped_at_root),
            objective_before=before,
            objective_after=after,
        )

    def _learn(self, arm: str, move: Move) -> float:
        earned = self.reward(move)
        self.bandit.learn(arm, earned.observations())
        return earned.score


class _Bandit:
    """MABWiser's policy over the arms, imported only once every arm has been tried: the import (it
    pulls in scikit-learn, 3.4 s of CPU at load 3) runs beside the host's solve, on the same cores,
    and a 30 s run takes 6-12 steps, mostly the first pass over the arms (round 5). It loads in a
    background thread; until it is in, the arms take turns and rewards are kept to be replayed."""

    def __init__(self, arms: list[str], policy: str, seed: int) -> None:
        self.arms = arms
        self.untried = list(arms)
        self.history: list[tuple[str, list[float]]] = []
        self.turn = 0
        self.mab: Any = None
        self._loaded: Any = None
        self._loader = threading.Thread(target=self._load, args=(policy, seed), daemon=True)

    def _load(self, policy: str, seed: int) -> None:
        from mabwiser.mab import MAB

        self._loaded = MAB(list(self.arms), learning_policy(policy), seed=seed)

    def choose(self, rng: np.random.Generator) -> str:
        if self.mab is None and self._loaded is not None:
            self.mab = self._loaded
            for arm in {a for a, _ in self.history} - set(self.arms):
                self.mab.remove_arm(arm)
            for arm, observations in self.history:
                if arm in self.arms:
                    self.mab.partial_fit([arm] * len(observations), observations)
        # MABWiser gives untried arms no optimism (UCB, softmax), so each arm is tried once first.
        if self.untried:
            return self.untried.pop(int(rng.integers(len(self.untried))))
        if self.mab is None:
            if self._loader.ident is None:  # not started yet
                self._loader.start()
            self.turn += 1
            return self.arms[self.turn % len(self.arms)]
        return str(self.mab.predict())

    def learn(self, arm: str, observations: list[float]) -> None:
        if self.mab is None:
            self.history.append((arm, observations))
        else:
            self.mab.partial_fit([arm] * len(observations), observations)

    def remove(self, arm: str) -> None:
        self.arms = [a for a in self.arms if a != arm]
        self.untried = [a for a in self.untried if a != arm]
        if self.mab is not None:
            self.mab.remove_arm(arm)
