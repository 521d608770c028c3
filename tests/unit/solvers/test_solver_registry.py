"""The registry: lazy lookup by name, auto routing by class, and the hook other backends register with."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import SolverCapabilityError, SolverUnavailableError
from optmodel.solvers import SolutionStatus, available_solvers, get_backend, registry, solve_model
from optmodel.solvers.classify import classify
from optmodel.solvers.highs import HighsBackend


def test_importing_solvers_loads_no_solver_library() -> None:
    code = (
        "import sys, optmodel.solvers\n"
        "heavy = [m for m in ('highspy', 'ortools', 'pyscipopt', 'pyomo') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_available_solvers_lists_the_installed_ones() -> None:
    names = available_solvers()
    assert {"highs", "cpsat", "glop", "pdlp", "ortools-scip", "ortools"} <= set(names)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (models.production_lp, "highs"),
        (models.production_milp, "highs"),
        (models.convex_qp, "highs"),
        (models.nonconvex_qp, "scip"),
        (models.nlp, "scip"),
        (models.minlp, "scip"),
    ],
    ids=["lp", "milp", "convex-qp", "nonconvex-qp", "nlp", "minlp"],
)
def test_auto_routes_by_class(build: Callable[[], pyo.ConcreteModel], expected: str) -> None:
    if expected == "scip":
        pytest.importorskip("pyscipopt")
    assert registry.choose_backend(classify(build())).name == expected
    assert solve_model(build()).solver == expected


def test_auto_without_scip_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyscipopt", None)
    with pytest.raises(SolverUnavailableError, match=r"NLP.*optmodel\[scip\]"):
        solve_model(models.nlp())
    assert solve_model(models.production_lp()).status is SolutionStatus.OPTIMAL  # linear still fine


def test_unknown_solver_lists_the_known_ones() -> None:
    with pytest.raises(SolverUnavailableError, match=r"known solvers: .*highs"):
        get_backend("gurobi-please")


def test_register_backend_by_factory_and_by_lazy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))
    registry.register_backend("my-highs", HighsBackend)
    registry.register_backend("lazy-highs", "optmodel.solvers.highs:HighsBackend")
    for name in ("my-highs", "lazy-highs"):
        assert solve_model(models.production_lp(), name).objective == pytest.approx(23.5)
    registry.register_backend("broken", "optmodel.no_such_module:Backend")
    with pytest.raises(SolverUnavailableError, match="could not be loaded"):
        get_backend("broken")
    assert "broken" not in available_solvers()


def test_register_backend_rejects_reserved_names() -> None:
    with pytest.raises(ValueError, match="auto"):
        registry.register_backend("auto", HighsBackend)


def test_explicit_solver_on_the_wrong_class_says_which_can() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.Binary)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    with pytest.raises(
        SolverCapabilityError, match=r"cannot solve MILP models; solvers that can: .*highs"
    ):
        solve_model(m, "glop")
