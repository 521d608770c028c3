"""ALNS inside HiGHS's tree (mode "tree"): the host's bound and gap, the worker process and its steps,
the worker dying with its parent, and the stand-alone LNS still reachable as mode "lns"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mabwiser")

from conftest import facility, set_cover, write_mps
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.lns_steps import TREE, LnsSteps
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.mip_reading import read_mip_file
from optmodel.solvers.alns.solve import solve_mip, solve_mps
from optmodel.solvers.alns.worker_client import LnsWorker
from optmodel.solvers.base import SolutionStatus, SolveOptions

#: A generous bound on how long a loaded machine may take to start a worker (not a timing assertion:
#: the tests wait at most this long for something that must happen).
PATIENCE = 120.0


def _optimum(data: MipData) -> float:
    from optmodel.solvers.alns.highs_model import build_highs

    highs = build_highs(data)
    highs.run()
    return float(highs.getInfo().objective_function_value)


def _a_poor_solution(data: MipData) -> np.ndarray:
    """Every column at its upper bound: feasible for a covering model, and far from optimal."""
    x = data.col_upper.copy()
    assert data.is_feasible(x)
    return x


def test_tree_mode_reports_the_hosts_bound_and_gap() -> None:
    data = facility(n_customers=10, n_facilities=6, seed=3)
    result = solve_mip(data, AlnsConfig(time_limit=20, seed=1, mode="tree"))
    assert result.extra["mode"] == "tree"
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(_optimum(data), rel=1e-6)
    assert result.best_bound is not None
    assert result.gap == pytest.approx(
        abs(result.objective - result.best_bound) / abs(result.objective), abs=1e-9
    )
    assert result.gap <= 1e-4  # HiGHS's default relative gap
    assert result.extra["user_solution_offers"] >= 0 and "host_nodes" in result.extra


def test_time_limited_tree_run_keeps_an_honest_gap(gen_ip054: Path) -> None:
    options = SolveOptions(time_limit=3, seed=0, threads=1, solver_options={"mode": "tree"})
    result = solve_mps(gen_ip054, options)
    assert result.status is SolutionStatus.FEASIBLE  # HiGHS does not close gen-ip054 in 3 s
    assert result.best_bound is not None and result.best_bound < result.objective  # minimisation
    assert result.gap == pytest.approx(
        (result.objective - result.best_bound) / abs(result.objective), rel=1e-9
    )
    x = np.array([result.solution[name] for name in read_mip_file(gen_ip054).col_names])
    assert read_mip_file(gen_ip054).is_feasible(x)
    assert result.extra["user_solution_offers"] > 0  # HiGHS offers the callback on this instance


def test_lns_steps_try_every_arm_and_only_return_strictly_better_feasible_solutions() -> None:
    data = set_cover(n_rows=60, n_cols=50, seed=4)
    steps = LnsSteps(data, AlnsConfig(time_limit=30, seed=2))
    x = _a_poor_solution(data)
    arms = set()
    for _ in range(3 * len(steps.ops) + 3):
        result = steps.step(x, limit=1.0)
        arms.add(result.arm)
        if result.x is not None:
            assert data.is_feasible(result.x)
            assert data.objective(result.x) < data.objective(x)
            x = result.x
    assert TREE in arms and "random" in arms
    assert data.objective(x) < data.objective(_a_poor_solution(data))


def test_the_worker_process_solves_steps_sent_to_it() -> None:
    data = set_cover(n_rows=60, n_cols=50, seed=5)
    worker = LnsWorker(data, AlnsConfig(time_limit=30, seed=0))
    try:
        waited = time.monotonic()
        while not worker.poll_ready():
            assert worker.failure is None, worker.failure
            assert time.monotonic() - waited < PATIENCE, "worker never became ready"
            time.sleep(0.05)
        x = _a_poor_solution(data)
        improved = False
        for _ in range(20):
            result = worker.step(x, limit=1.0, wait=PATIENCE)
            assert result is not None, worker.failure
            if result.x is not None:
                assert data.is_feasible(result.x)
                assert data.objective(result.x) < data.objective(x)
                x, improved = result.x, True
        assert improved
    finally:
        worker.close()


_PARENT = """
import sys, time
sys.path.insert(0, {tests!r})
from conftest import set_cover
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.worker_client import LnsWorker
worker = LnsWorker(set_cover(), AlnsConfig(time_limit=30))
print(worker._process.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent, here init, has not reaped it yet).
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_the_worker_dies_when_its_parent_is_killed() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    code = _PARENT.format(tests=str(Path(__file__).parent))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    waited = time.monotonic()
    while _alive(child) and time.monotonic() - waited < PATIENCE:
        time.sleep(0.05)
    assert not _alive(child)


def test_mode_lns_keeps_the_stand_alone_search(tmp_path: Path) -> None:
    pytest.importorskip("alns")
    path = write_mps(set_cover(seed=6), tmp_path / "cover.mps")
    result = solve_mps(path, SolveOptions(time_limit=5, solver_options={"mode": "lns"}))
    assert result.extra["mode"] == "lns"
    assert "initial solve" in result.message
    assert result.has_solution


@pytest.mark.parametrize("mode", ["tree", "lns"])
def test_integer_columns_are_exact_integers_in_the_result(tmp_path: Path, mode: str) -> None:
    data = facility(n_customers=10, n_facilities=6, seed=1)
    path = write_mps(data, tmp_path / "facility.mps")
    result = solve_mps(path, SolveOptions(time_limit=10, solver_options={"mode": mode}))
    assert result.extra["mode"] == mode
    for name, is_int in zip(data.col_names, data.integer, strict=True):
        if is_int:
            assert float(result.solution[name]).is_integer(), (name, result.solution[name])


def test_mode_settings_are_validated() -> None:
    # "auto", the default, is the tree mode wherever it can run
    assert AlnsConfig().mode == "tree"
    assert AlnsConfig(mode="auto").mode == "tree"
    assert AlnsConfig(sub_solver="cpsat").mode == "lns"
    assert AlnsConfig(deterministic=True, max_iterations=3).mode == "lns"
    assert AlnsConfig(mode="lns").mode == "lns"
    with pytest.raises(ValueError, match="mode must be one of"):
        AlnsConfig(mode="fast")
    with pytest.raises(ValueError, match='mode "tree"'):
        AlnsConfig(mode="tree", sub_solver="cpsat")
    with pytest.raises(ValueError, match="lns_share"):
        AlnsConfig(lns_share=0.0)
