"""HiGHS, ALNS, OR-Tools and SCIP solves interleave in one process, whatever threads each asks for.

HiGHS keeps one thread pool per process: a run asking for a different ``threads`` than the pool was
built with used to fail at once (ALNS answered ``no_solution ... initial solve: Not Set``).
"""

from __future__ import annotations

import pytest

import optmodel
from optmodel.solvers.base import SolutionStatus
from optmodel.solvers.registry import get_backend

pytest.importorskip("alns")
pytest.importorskip("mabwiser")

# max 3x + 2y + 4z, x + y + z <= 7 (integers), x <= 4, z <= 2  ->  x=4, z=2, y=1: 12 + 2 + 8 = 22
PROBLEM = {
    "variables": {
        "x": {"ub": 4, "type": "integer"},
        "y": {"ub": 10, "type": "integer"},
        "z": {"ub": 2, "type": "integer"},
    },
    "objective": {"sense": "maximize", "expression": "3*x + 2*y + 4*z"},
    "constraints": {"room": {"expression": "x + y + z <= 7"}},
}

SEQUENCE = [
    # the sequence, each with another thread setting
    ("highs", None, {}),
    ("alns", 1, {}),
    ("ortools", 2, {}),
    ("scip", 1, {}),
    ("highs", 2, {}),
    # then both ALNS modes between HiGHS runs
    ("alns", 2, {"mode": "tree"}),
    ("highs", 1, {}),
    ("alns", None, {"mode": "lns"}),
    ("ortools", None, {}),
    ("alns", 1, {"mode": "tree"}),
    ("highs", None, {}),
]


def test_solvers_interleave_in_one_process_with_any_threads() -> None:
    for solver, threads, extra in SEQUENCE:
        if solver in ("ortools", "scip") and not get_backend(solver).available():
            continue
        options = optmodel.SolveOptions(time_limit=10, threads=threads, solver_options=extra)
        answer = optmodel.solve(PROBLEM, solver=solver, options=options)
        where = f"{solver} threads={threads} {extra}: {answer.result.message}"
        assert answer.result.status is SolutionStatus.OPTIMAL or (
            solver == "alns" and answer.result.status is SolutionStatus.FEASIBLE
        ), where
        assert answer.objective == pytest.approx(22.0), where


def test_highs_solves_in_other_python_threads_keep_their_own_thread_counts() -> None:
    """HiGHS's scheduler belongs to the calling thread: a bench run on a thread executor after a solve in
    the main thread with another ``threads`` returned 'Not Set' before this was tracked per thread."""
    from concurrent.futures import ThreadPoolExecutor

    def objective(threads: int) -> float | None:
        return optmodel.solve(PROBLEM, solver="highs", threads=threads).objective

    assert objective(2) == 22
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(objective, 1).result() == 22
    assert objective(1) == 22
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(objective, 2).result() == 22
