"""Start-up: ``solver="alns"`` imports no bandit library (MABWiser pulls in scikit-learn, ``alns``
matplotlib — seconds) before its search needs one, so an instance HiGHS proves at the root pays nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("alns")
pytest.importorskip("mabwiser")
pytest.importorskip("highspy")

PROGRAM = """Maximize
 obj: 3 x + 2 y + 4 z
Subject To
 room: x + y + z <= 7
Bounds
 0 <= x <= 4
 0 <= y <= 10
 0 <= z <= 2
General
 x y z
End
"""

CHECK = """
import sys
from optmodel.solvers.alns import solve_mps
from optmodel.solvers.base import SolveOptions
result = solve_mps(sys.argv[1], SolveOptions(time_limit=10, solver_options={"mode": "lns"}))
heavy = sorted(m for m in ("alns", "mabwiser", "sklearn", "matplotlib") if m in sys.modules)
print(result.status.value, result.objective, ",".join(heavy) or "none")
"""


def test_a_root_solved_instance_loads_no_bandit_library(tmp_path: Path) -> None:
    path = tmp_path / "tiny.lp"
    path.write_text(PROGRAM)
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, objective, heavy = done.stdout.split()[-3:]
    assert status == "optimal"
    assert float(objective) == 22.0
    assert heavy == "none"
