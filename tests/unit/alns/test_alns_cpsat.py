"""The CP-SAT sub-solver: pure-integer models only, same contract as HiGHS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ortools")
pytest.importorskip("alns")

from conftest import facility, set_cover, write_mps
from optmodel.errors import SolverCapabilityError
from optmodel.solvers.alns import solve_mps
from optmodel.solvers.alns.cpsat_submip import CpSatSubMip, integer_scale
from optmodel.solvers.base import SolveOptions


def test_cpsat_sub_solver_solves_a_pure_integer_model(tmp_path: Path) -> None:
    data = set_cover(n_rows=60, n_cols=40, seed=2)
    path = write_mps(data, tmp_path / "sc.mps")
    options = {"sub_solver": "cpsat", "max_iterations": 8, "deterministic": True}
    cpsat = solve_mps(path, SolveOptions(time_limit=20, solver_options=options))
    highs = solve_mps(path, SolveOptions(time_limit=20))
    assert cpsat.has_solution and cpsat.extra["sub_solver"] == "cpsat"
    x = np.array([cpsat.solution[n] for n in data.col_names])
    assert data.is_feasible(x)
    assert cpsat.objective >= highs.objective - 1e-9  # HiGHS proves the optimum on this size


def test_cpsat_refuses_continuous_columns() -> None:
    with pytest.raises(SolverCapabilityError, match="pure-integer"):
        CpSatSubMip(facility())


def test_integer_scale_finds_the_power_of_ten() -> None:
    assert integer_scale(np.array([1.0, 2.0])) == 1
    assert integer_scale(np.array([0.5, 1.25])) == 100
    assert integer_scale(np.array([1 / 3])) is None
