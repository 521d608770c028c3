"""CP-SAT takes only what it can solve exactly: pure-integer, bounded models with integral(izable) data."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import SolverCapabilityError
from optmodel.solvers import SolutionStatus, SolveOptions, solve_model
from optmodel.solvers.cpsat import CpSatBackend, integer_scale

pytest.importorskip("ortools.sat.python.cp_model")


def small_ip(coefficient: float, rhs: float, objective: float = 1.0) -> pyo.ConcreteModel:
    """max objective*a s.t. coefficient*a <= rhs, a in 0..100 integer."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(domain=pyo.Integers, bounds=(0, 100))
    m.limit = pyo.Constraint(expr=coefficient * m.a <= rhs)
    m.o = pyo.Objective(expr=objective * m.a, sense=pyo.maximize)
    return m


def test_refuses_continuous_variables_by_name() -> None:
    with pytest.raises(SolverCapabilityError, match=r"continuous \(y\)"):
        CpSatBackend().solve(models.production_milp(), SolveOptions())


def test_refuses_unbounded_integer_variables() -> None:
    m = small_ip(1.0, 5.0)
    m.a.setub(None)
    with pytest.raises(SolverCapabilityError, match="finite variable bounds"):
        solve_model(m, "cpsat")


def test_refuses_coefficients_that_do_not_scale_to_integers() -> None:
    with pytest.raises(SolverCapabilityError, match="constraint limit"):
        solve_model(small_ip(1.0 / 3.0, 10.0), "cpsat")


def test_refuses_an_objective_that_does_not_scale_to_integers() -> None:
    with pytest.raises(SolverCapabilityError, match="objective"):
        solve_model(small_ip(1.0, 10.0, objective=np.pi), "cpsat")


def test_decimal_data_is_scaled_exactly() -> None:
    # 0.25a <= 2.6  <=>  a <= 10.4  ->  a = 10; objective 1.5a = 15
    result = solve_model(small_ip(0.25, 2.6, objective=1.5), "cpsat")
    assert result.status is SolutionStatus.OPTIMAL
    assert result.value("a") == 10.0
    assert result.objective == pytest.approx(15.0)


def test_objective_offset_is_kept() -> None:
    m = small_ip(1.0, 7.0)
    m.o.expr = m.a + 0.5
    assert solve_model(m, "cpsat").objective == pytest.approx(7.5)


def test_integer_scale() -> None:
    assert integer_scale(np.array([1.0, -3.0])) == 0
    assert integer_scale(np.array([0.5, 0.25])) == 2
    assert integer_scale(np.array([0.1 + 0.2])) == 1  # 0.30000000000000004 is 3/10 within tolerance
    assert integer_scale(np.array([1.0 / 3.0])) is None
    assert integer_scale(np.array([1e15])) is None  # beyond the safe magnitude
