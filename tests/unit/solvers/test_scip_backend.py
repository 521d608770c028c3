"""SCIP: nonlinear and nonconvex models to global optimality, translated from the Pyomo expression tree."""

from __future__ import annotations

import importlib.util
import math
import sys

import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import MissingExtraError, SolverCapabilityError
from optmodel.solvers import SolutionStatus, SolveOptions, solve_model
from optmodel.solvers.scip import ScipBackend


def test_missing_pyscipopt_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyscipopt", None)  # makes `import pyscipopt` fail
    assert not ScipBackend().available()
    with pytest.raises(MissingExtraError, match=r"optmodel\[scip\]"):
        ScipBackend().solve(models.nlp(), SolveOptions())


needs_scip = pytest.mark.skipif(
    importlib.util.find_spec("pyscipopt") is None, reason="pyscipopt not installed"
)


@needs_scip
def test_nlp_optimum() -> None:
    result = solve_model(models.nlp(), "scip")
    assert result.status is SolutionStatus.OPTIMAL
    # on x + y = 1 the optimum solves 2(1 + y) + e^y = 0: y* = -1.156728, f* = 0.339077
    assert result.value("x") + result.value("y") == pytest.approx(1.0, abs=1e-6)
    assert result.value("y") == pytest.approx(-1.156728, abs=2e-3)
    assert result.objective == pytest.approx(0.339077, abs=1e-5)


@needs_scip
def test_minlp_optimum() -> None:
    result = solve_model(models.minlp(), "scip")
    assert result.value("n") == 3.0
    assert result.value("z") == pytest.approx(math.log(4), abs=1e-5)
    assert result.objective == pytest.approx(0.16 + math.sqrt(1 + math.log(4)), abs=1e-5)


@needs_scip
def test_nonconvex_qp_reaches_the_global_optimum() -> None:
    result = solve_model(models.nonconvex_qp(), "auto")  # auto routes nonconvex QPs to SCIP
    assert result.solver == "scip"
    assert result.objective == pytest.approx(4.0, abs=1e-6)
    assert result.value("x") == pytest.approx(2.0, abs=1e-6)


@needs_scip
def test_expression_constructs_translate() -> None:
    # min |x - 1| + x/(y + 2) + 2**y + log10(y + 10) + sqrt(x + 1) - 1 + sin(0)*y (|x - 1| is a named
    # Expression, 2 a mutable Param); the optimum is at (1, 0) with value 1.5 + sqrt(2) (checked on a grid)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.y = pyo.Var(bounds=(0, 3))
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.shift = pyo.Expression(expr=m.x - 1)
    m.o = pyo.Objective(
        expr=abs(m.shift)
        + m.x / (m.y + m.p)
        + m.p**m.y
        + pyo.log10(m.y + 10)
        + pyo.sqrt(m.x + 1)
        - 1
        + pyo.sin(0) * m.y
    )
    result = solve_model(m, "scip")
    assert result.objective == pytest.approx(1.5 + math.sqrt(2), abs=1e-5)
    assert (result.value("x"), result.value("y")) == pytest.approx((1.0, 0.0), abs=1e-4)


@needs_scip
def test_unsupported_constructs_are_refused_by_name() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.o = pyo.Objective(expr=pyo.Expr_if(m.x >= 1, m.x**2, m.x))
    with pytest.raises(SolverCapabilityError, match="Expr_if"):
        solve_model(m, "scip")


@needs_scip
def test_infeasible_reports_scip_iis_in_symbol_names() -> None:
    model, symbols = models.shipping_with_symbols()
    model.cap = pyo.Constraint(expr=model.v[0] <= 2)
    result = solve_model(model, "scip", symbols=symbols)
    assert result.status is SolutionStatus.INFEASIBLE
    assert set(result.conflicts) == {"demand[A]", "cap"}


@needs_scip
def test_log_is_captured() -> None:
    result = solve_model(models.nlp(), "scip")
    assert "SCIP Status" in result.log and result.solver_version.startswith("SCIP ")
