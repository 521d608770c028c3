"""The search loop: monotone incumbents, feasible answers, the deadline, reproducibility, every policy."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("alns")
pytest.importorskip("mabwiser")

from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.mip_reading import read_mip_file
from optmodel.solvers.alns.search import DEADLINE_MARGIN, run_search
from optmodel.solvers.alns.selection import load_bandit_dependencies

#: Allowed overshoot of the budget, beyond the search's own safety margin (solver clock granularity).
DEADLINE_SLACK = 0.3


def _run(path: Path, **settings: object):  # type: ignore[no-untyped-def]
    load_bandit_dependencies()
    data = read_mip_file(path)
    config = AlnsConfig(**{"time_limit": 60.0, **settings})  # type: ignore[arg-type]
    return data, run_search(data, config, time.perf_counter())


def test_incumbent_never_gets_worse_and_final_solution_is_feasible(gen_ip054: Path) -> None:
    data, result = _run(gen_ip054, max_iterations=15, deterministic=True)
    assert result.iterations == 15
    values = [p["objective"] for p in result.trajectory]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(values))  # minimisation
    assert result.x is not None and data.is_feasible(result.x)
    assert result.objective == pytest.approx(data.objective(result.x))
    assert result.objective == pytest.approx(values[-1])
    assert result.dual_bound is not None and result.dual_bound <= result.objective + 1e-6
    assert {p["operator"] for p in result.trajectory} <= {"initial", *AlnsConfig().operators}


def test_same_seed_and_iteration_limit_give_the_same_run(gen_ip054: Path) -> None:
    def fingerprint(seed: int) -> list[tuple[object, ...]]:
        _, result = _run(gen_ip054, max_iterations=12, deterministic=True, seed=seed)
        keys = ("objective", "operator", "outcome", "status", "rate")
        return [tuple(p.get(k) for k in keys) for p in result.trajectory]

    first = fingerprint(7)
    assert len(first) > 12  # initial solution(s) plus one point per iteration
    assert fingerprint(7) == first


def test_the_wall_clock_budget_is_respected(gen_ip054: Path) -> None:
    budget = 1.5
    _, result = _run(gen_ip054, time_limit=budget)
    assert result.termination == "time_limit"
    assert result.iterations > 0
    assert result.elapsed <= budget + DEADLINE_SLACK
    assert all(p["time"] <= budget + DEADLINE_SLACK for p in result.trajectory)
    # every sub-MIP was started with the time that was left, never more
    assert all(p["limit"] <= budget - DEADLINE_MARGIN for p in result.trajectory if "limit" in p)


@pytest.mark.parametrize("policy", ["thompson", "ucb", "epsilon_greedy", "softmax"])
def test_every_bandit_policy_runs(gen_ip054: Path, policy: str) -> None:
    data, result = _run(gen_ip054, max_iterations=6, deterministic=True, policy=policy)
    assert result.iterations == 6
    assert result.x is not None and data.is_feasible(result.x)
    assert all(
        np.isfinite(p["reward"]) and 0 <= p["reward"] < 1
        for p in result.trajectory
        if "reward" in p
    )
