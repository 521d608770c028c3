"""The contract every backend keeps, run once per installed backend (ids: highs, scip, cpsat, ...).

A backend either solves a model of a class it supports with the right answer, or refuses a class it does
not support with SolverCapabilityError; infeasible, unbounded and time-limited solves are results.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import CompileError, SolverCapabilityError, SolverError
from optmodel.solvers import SolutionStatus, SolveOptions, TerminationCondition, solve_model
from optmodel.solvers.classify import ProblemClass, classify
from optmodel.solvers.registry import get_backend
from optmodel.standard_form.io import read_model_file

#: Backends that explain infeasibility with constraint names.
EXPLAINS_CONFLICTS = {"highs", "scip"}
#: Backends that report the variables running away in an unbounded LP.
REPORTS_RAYS = {"highs", "scip"}


def refuses(backend_name: str, model: pyo.ConcreteModel) -> bool:
    """True when the backend declared it cannot solve this model's class."""
    return not get_backend(backend_name).supports(classify(model).problem_class)


def assert_refused(backend_name: str, build: Callable[[], pyo.ConcreteModel]) -> None:
    """Both the registry and the backend itself refuse, rather than answer wrongly."""
    with pytest.raises(SolverCapabilityError):
        solve_model(build(), backend_name)
    with pytest.raises(SolverCapabilityError):
        get_backend(backend_name).solve(build(), SolveOptions())


def test_lp_optimum(backend_name: str) -> None:
    if refuses(backend_name, models.production_lp()):
        assert_refused(backend_name, models.production_lp)
        return
    result = solve_model(models.production_lp(), backend_name)
    assert result.termination is TerminationCondition.OPTIMAL
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(23.5, rel=1e-6)
    assert result.value("x", 1) == pytest.approx(7.5, abs=1e-5)
    assert result.solver == backend_name
    assert result.solver_version and result.log and result.wall_time > 0


def test_milp_optimum(backend_name: str) -> None:
    model = models.production_milp()
    if refuses(backend_name, model) or backend_name == "cpsat":  # cpsat: y is continuous
        assert_refused(backend_name, models.production_milp)
        return
    result = solve_model(model, backend_name)
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(22.5, rel=1e-6)
    assert result.value("x", 1) == 7.0  # integer columns come back as exact integers
    assert result.value("y") == pytest.approx(0.5, abs=1e-6)


def test_pure_integer_optimum(backend_name: str) -> None:
    if refuses(backend_name, models.pure_integer()):
        assert_refused(backend_name, models.pure_integer)
        return
    result = solve_model(models.pure_integer(), backend_name)
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(45.0)
    assert (result.value("a"), result.value("b")) == (15.0, 0.0)


def test_infeasible_lp_is_a_result(backend_name: str) -> None:
    if refuses(backend_name, models.infeasible_lp()):
        assert_refused(backend_name, models.infeasible_lp)
        return
    result = solve_model(models.infeasible_lp(), backend_name)
    assert result.termination is TerminationCondition.INFEASIBLE
    assert result.status is SolutionStatus.INFEASIBLE
    assert not result.has_solution and result.objective is None
    if backend_name in EXPLAINS_CONFLICTS:
        assert set(result.conflicts) == {"capacity", "too_much"}


def test_integer_infeasible_is_a_result(backend_name: str) -> None:
    if refuses(backend_name, models.infeasible_integer()):
        assert_refused(backend_name, models.infeasible_integer)
        return
    result = solve_model(models.infeasible_integer(), backend_name)
    assert result.status is SolutionStatus.INFEASIBLE
    if backend_name in EXPLAINS_CONFLICTS:
        assert result.conflicts == ("odd",)


def test_unbounded_lp_is_a_result(backend_name: str) -> None:
    if refuses(backend_name, models.unbounded_lp()):
        assert_refused(backend_name, models.unbounded_lp)
        return
    result = solve_model(models.unbounded_lp(), backend_name)
    assert result.termination is TerminationCondition.UNBOUNDED
    assert result.status is SolutionStatus.UNBOUNDED
    if backend_name in REPORTS_RAYS:
        assert set(result.unbounded_variables) == {"x", "y"}


@pytest.mark.parametrize(
    ("build", "conflicts"),
    [(models.fixed_value_violation, ("need",)), (models.crossed_integer_bounds, ())],
    ids=["fixed-values", "crossed-bounds"],
)
def test_infeasibility_without_search_is_a_result(
    backend_name: str, build: Callable[[], pyo.ConcreteModel], conflicts: tuple[str, ...]
) -> None:
    if refuses(backend_name, build()):
        assert_refused(backend_name, build)
        return
    result = solve_model(build(), backend_name)
    assert result.status is SolutionStatus.INFEASIBLE
    assert result.conflicts == conflicts


def test_nan_data_is_a_clear_error(backend_name: str) -> None:
    model = models.pure_integer()  # every backend but the LP-only ones takes it
    if refuses(backend_name, model):
        model = models.production_lp()
        model.capacity.set_value(float("nan") * model.y <= 7.5)
    else:
        model.budget.set_value(float("nan") * model.a + model.b <= 7.5)
    with pytest.raises(CompileError, match=r"budget|capacity"):
        solve_model(model, backend_name)


@pytest.mark.skipif(not (models.MIPLIB / "gen-ip002.mps").is_file(), reason="MIPLIB data absent")
def test_time_limited_miplib_returns_its_incumbent(backend_name: str) -> None:
    model, symbols = read_model_file(models.MIPLIB / "gen-ip002.mps")
    if (
        refuses(backend_name, model) or backend_name == "cpsat"
    ):  # fractional data, unbounded columns
        with pytest.raises(SolverCapabilityError):
            solve_model(model, backend_name, SolveOptions(time_limit=1.0), symbols)
        return
    result = solve_model(model, backend_name, SolveOptions(time_limit=1.0), symbols)
    assert result.termination is TerminationCondition.TIME_LIMIT
    assert result.status is SolutionStatus.FEASIBLE
    best_known = -4783.733392  # MIPLIB 2017; a feasible point of a minimisation cannot beat it
    assert result.objective is not None and result.objective >= best_known - 1e-4
    assert result.best_bound is not None and result.best_bound <= result.objective
    assert len(result.solution) == 41 and "C0000000" in result.solution


def test_time_limited_pure_integer_returns_its_incumbent(backend_name: str) -> None:
    model = models.market_split()
    if refuses(backend_name, model):
        assert_refused(backend_name, models.market_split)
        return
    result = solve_model(model, backend_name, SolveOptions(time_limit=1.0))
    assert result.termination is TerminationCondition.TIME_LIMIT
    assert result.status is SolutionStatus.FEASIBLE
    assert result.objective is not None and result.objective >= 0
    assert math.isfinite(result.objective)


def test_solution_is_keyed_by_symbol_map_names(backend_name: str) -> None:
    model, symbols = models.shipping_with_symbols()
    if backend_name == "cpsat":  # make it pure integer so CP-SAT takes it
        model.v.domain = pyo.NonNegativeIntegers
        model.fee.domain = pyo.Integers
    result = solve_model(model, backend_name, symbols=symbols)
    assert result.objective == pytest.approx(22.0, rel=1e-6)
    assert set(result.solution) == {"ship", "z"}
    assert result.value("ship", (1, "A")) == pytest.approx(3.0, abs=1e-5)
    assert result.value("ship", (2, "B")) == pytest.approx(4.0, abs=1e-5)
    assert result.value("z") == pytest.approx(8.0, abs=1e-5)


@pytest.mark.parametrize(
    "build",
    [models.convex_qp, models.nonconvex_qp, models.nlp, models.minlp],
    ids=["convex-qp", "nonconvex-qp", "nlp", "minlp"],
)
def test_refuses_classes_it_cannot_solve(
    backend_name: str, build: Callable[[], pyo.ConcreteModel]
) -> None:
    backend = get_backend(backend_name)
    classification = classify(build())
    convex_only = classification.problem_class in getattr(backend, "needs_convex", frozenset())
    if backend.supports(classification.problem_class) and not (
        convex_only and classification.convex is False
    ):
        result = solve_model(build(), backend_name)
        assert result.status is SolutionStatus.OPTIMAL
        return
    assert_refused(backend_name, build)


def test_rejects_unknown_solver_options(backend_name: str) -> None:
    model = models.pure_integer() if backend_name == "cpsat" else models.production_lp()
    bad = {"definitely_not_an_option": 1} if backend_name != "scip" else {"no/such/param": 1}
    with pytest.raises(SolverError, match=r"definitely_not_an_option|no/such/param"):
        solve_model(model, backend_name, SolveOptions(solver_options=bad))


def test_accepts_the_common_options(backend_name: str) -> None:
    model = models.pure_integer()
    if refuses(backend_name, model):
        model = models.production_lp()
    options = SolveOptions(time_limit=30, threads=1, rel_gap=1e-6, seed=7, verbose=False)
    result = solve_model(model, backend_name, options)
    assert result.status is SolutionStatus.OPTIMAL


def test_problem_class_is_recorded(backend_name: str) -> None:
    model = models.pure_integer()
    if refuses(backend_name, model):
        model = models.production_lp()
    result = solve_model(model, backend_name)
    assert result.extra["problem_class"] in {ProblemClass.MILP.value, ProblemClass.LP.value}
