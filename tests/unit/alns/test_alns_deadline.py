"""The time limit holds for the whole run, in a fresh process: reading, the host process, the
stand-alone LNS's import of the bandit libraries, the tree mode's worker process and every sub-MIP
all fit in ``limit + max(2 %, 0.3 s)`` of wall time, and the reported time is that wall time. That
holds on an instance where HiGHS itself overruns its time limit (root phases without callbacks):
the host process is killed at the deadline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("alns")
pytest.importorskip("mabwiser")
pytest.importorskip("highspy")

LIMIT = 4.0
TOLERANCE = max(0.02 * LIMIT, 0.3)

RUN = """
import json, sys, time
began = time.perf_counter()
from optmodel.solvers.alns import solve_mps
from optmodel.solvers.base import SolveOptions
options = SolveOptions(time_limit=float(sys.argv[2]), threads=1, solver_options={"mode": sys.argv[3]})
from optmodel.solvers.alns.mip_reading import read_mip_file
data = read_mip_file(sys.argv[1])
called = time.perf_counter()
result = solve_mps(sys.argv[1], options)
integral = all(
    float(result.solution[name]).is_integer()
    for name, is_int in zip(data.col_names, data.integer) if is_int
)
print(json.dumps({"wall_time": result.wall_time, "measured": time.perf_counter() - called,
                  "status": result.status.value, "iterations": result.extra["iterations"],
                  "message": result.message, "integral": integral}))
"""


#: Independent set, 1500 nodes (the benchmark's transfer size): HiGHS calls no callback for seconds
#: in its root phase, so it cannot stop there (plain HiGHS, one thread, 20 s limit: 24.8 s,
#: ``python -m benchmarks.alns.callback_gaps``). The tree mode without the host process ended
#: after 19.8 s at this limit (load 2.9).
MAKE_INDSET = """
import sys
from pathlib import Path
from benchmarks.alns.generators import independent_set
independent_set(Path(sys.argv[1]), 0, n_nodes=1500, affinity=4)
"""
INDSET_LIMIT = 16.0


def solve_in_fresh_process(path: Path, limit: float, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(path), str(limit), mode],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    run: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return run


@pytest.mark.parametrize("mode", ["lns", "tree"])
def test_the_time_limit_holds_for_the_whole_solve(gen_ip054: Path, mode: str) -> None:
    run = solve_in_fresh_process(gen_ip054, LIMIT, mode)
    assert run["status"] == "feasible"  # HiGHS does not close gen-ip054 in 4 s
    assert run["integral"]  # a time-limited result's integer columns are integers
    assert run["wall_time"] <= LIMIT + TOLERANCE, run
    # the reported time is the wall time of the call (reading included), not a solver's own clock
    assert run["wall_time"] <= run["measured"] <= run["wall_time"] + TOLERANCE


def test_the_time_limit_holds_where_highs_overruns_its_own(tmp_path: Path) -> None:
    path = tmp_path / "indset.mps"
    root = Path(__file__).resolve().parents[3]
    subprocess.run(
        [sys.executable, "-c", MAKE_INDSET, str(path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])},
        capture_output=True,
        check=True,
        timeout=300,
    )
    run = solve_in_fresh_process(path, INDSET_LIMIT, "tree")
    assert run["status"] == "feasible"
    assert run["integral"]  # so are those of a host killed at the deadline
    tolerance = max(0.02 * INDSET_LIMIT, 0.3)
    assert run["wall_time"] <= INDSET_LIMIT + tolerance, run
    assert run["wall_time"] <= run["measured"] <= run["wall_time"] + tolerance
