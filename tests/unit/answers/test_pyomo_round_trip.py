"""A user's own Pyomo model: solved by optmodel (any backend, or any Pyomo solver), values loaded back into it."""

from __future__ import annotations

import importlib.util

import pyomo.environ as pyo
import pytest

import optmodel
from optmodel.errors import SolverUnavailableError
from optmodel.solvers.base import SolveOptions
from optmodel.solvers.registry import solve_model


def transport_model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.plants = pyo.Set(initialize=["seattle", "san_diego"])
    m.markets = pyo.Set(initialize=["new_york", "chicago", "topeka"])
    supply = {"seattle": 350, "san_diego": 600}
    demand = {"new_york": 325, "chicago": 300, "topeka": 275}
    cost = {
        ("seattle", "new_york"): 0.225,
        ("seattle", "chicago"): 0.153,
        ("seattle", "topeka"): 0.162,
        ("san_diego", "new_york"): 0.225,
        ("san_diego", "chicago"): 0.162,
        ("san_diego", "topeka"): 0.126,
    }
    m.ship = pyo.Var(m.plants, m.markets, within=pyo.NonNegativeIntegers)
    m.supply = pyo.Constraint(
        m.plants, rule=lambda m, p: sum(m.ship[p, k] for k in m.markets) <= supply[p]
    )
    m.demand = pyo.Constraint(
        m.markets, rule=lambda m, k: sum(m.ship[p, k] for p in m.plants) >= demand[k]
    )
    m.cost = pyo.Objective(expr=sum(cost[r] * m.ship[r] for r in cost))
    return m


@pytest.mark.parametrize("solver", ["auto", "highs", "pyomo:appsi_highs", "alns"])
def test_solve_loads_the_solution_into_the_users_model(solver: str) -> None:
    if solver == "alns" and importlib.util.find_spec("alns") is None:
        pytest.skip("needs the [bandit] extra")
    m = transport_model()

    # ALNS searches until its time limit; the model is tiny, so a short one is plenty.
    answer = optmodel.solve(m, solver=solver, time_limit=3 if solver == "alns" else None)

    assert answer.source == "pyomo"
    assert answer.objective == pytest.approx(153.675)
    assert pyo.value(m.cost) == pytest.approx(153.675)
    for p in m.plants:
        for k in m.markets:
            assert pyo.value(m.ship[p, k]) == pytest.approx(answer.value("ship", (p, k)))
    assert sum(pyo.value(m.ship[p, "new_york"]) for p in m.plants) >= 325


def test_an_lp_fills_the_models_dual_suffix() -> None:
    m = transport_model()
    for var in m.ship.values():
        var.domain = pyo.NonNegativeReals
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)

    answer = optmodel.solve(m)

    assert m.dual[m.demand["new_york"]] == pytest.approx(0.225)
    assert answer.dual("demand", "new_york") == pytest.approx(0.225)


def test_a_compiled_formulation_gets_its_values_through_solve_model() -> None:
    compiled = optmodel.compile_formulation(optmodel.load_formulation("examples/knapsack.json"))

    result = solve_model(compiled.model, symbols=compiled.symbols)

    values = [pyo.value(v) for v in compiled.model.component_data_objects(pyo.Var) if not v.fixed]
    assert result.objective == pytest.approx(89)
    assert values and all(v is not None for v in values)


def test_pyomo_solver_reports_infeasible_as_a_result() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x >= 2)
    m.o = pyo.Objective(expr=m.x)

    answer = optmodel.solve(m, solver="pyomo:appsi_highs")

    assert answer.status == "infeasible"


def test_a_pyomo_solver_that_is_not_installed_says_so() -> None:
    m = transport_model()
    if pyo.SolverFactory("glpk").available(exception_flag=False):
        pytest.skip("glpk is installed here")

    with pytest.raises(SolverUnavailableError, match=r"SolverFactory\('glpk'\) is not usable here"):
        optmodel.solve(m, solver="pyomo:glpk")


def test_unknown_solver_names_point_at_pyomo_names() -> None:
    with pytest.raises(SolverUnavailableError, match="pyomo:NAME"):
        solve_model(transport_model(), solver="gurobi", options=SolveOptions())
