"""Start-up: the search (what the host process runs) imports no bandit library (MABWiser pulls in
scikit-learn, ``alns`` matplotlib — seconds) before it needs one, so an instance HiGHS proves at the
root pays nothing; and the host process itself imports no Pyomo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tiny_lp import TINY_LP

pytest.importorskip("alns")
pytest.importorskip("mabwiser")
pytest.importorskip("highspy")


# What the host process runs (host_process.serve), in this fresh process.
CHECK = """
import sys, time
from optmodel.solvers.alns.host_process import _import_the_search, search_in_mode
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.mip_reading import read_mip_file
_import_the_search()
data = read_mip_file(sys.argv[1])
result = search_in_mode(data, AlnsConfig(time_limit=10, mode="lns"), time.perf_counter())
heavy = sorted(
    m for m in ("alns", "mabwiser", "sklearn", "matplotlib", "pyomo") if m in sys.modules
)
print(result.termination, result.objective, ",".join(heavy) or "none")
"""


def test_a_root_solved_instance_loads_no_bandit_library(tmp_path: Path) -> None:
    path = tmp_path / "tiny.lp"
    path.write_text(TINY_LP)
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, objective, heavy = done.stdout.split()[-3:]
    assert status == "optimal"  # the search's termination
    assert float(objective) == 22.0
    assert heavy == "none"
