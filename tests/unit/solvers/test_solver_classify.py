"""classify(): the class solvers are chosen by, convexity where cheap, and the counts."""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import SolverCapabilityError
from optmodel.solvers.classify import ProblemClass, classify


def qcp(convex: bool) -> pyo.ConcreteModel:
    """x^2 + y^2 <= 4 (convex) or >= 4 (not), max x + y."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-5, 5))
    m.y = pyo.Var(bounds=(-5, 5))
    disc = m.x**2 + m.y**2
    m.disc = pyo.Constraint(expr=disc <= 4 if convex else disc >= 4)
    m.o = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    return m


@pytest.mark.parametrize(
    ("build", "expected", "convex"),
    [
        (models.production_lp, ProblemClass.LP, True),
        (models.production_milp, ProblemClass.MILP, True),
        (models.pure_integer, ProblemClass.MILP, True),
        (models.convex_qp, ProblemClass.QP, True),
        (models.nonconvex_qp, ProblemClass.QP, False),
        (models.nlp, ProblemClass.NLP, None),
        (models.minlp, ProblemClass.MINLP, None),
        (lambda: qcp(True), ProblemClass.QCP, True),
        (lambda: qcp(False), ProblemClass.QCP, False),
    ],
    ids=[
        "lp",
        "milp",
        "ip",
        "convex-qp",
        "nonconvex-qp",
        "nlp",
        "minlp",
        "convex-qcp",
        "nonconvex-qcp",
    ],
)
def test_class_and_convexity(
    build: Callable[[], pyo.ConcreteModel], expected: ProblemClass, convex: bool | None
) -> None:
    classification = classify(build())
    assert classification.problem_class is expected
    assert classification.convex is convex


def test_miqp_is_told_apart_from_qp() -> None:
    m = models.convex_qp()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.link = pyo.Constraint(expr=m.x <= m.n)
    assert classify(m).problem_class is ProblemClass.MIQP


def test_maximising_a_concave_quadratic_is_convex() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.o = pyo.Objective(expr=-(m.x**2) + 2 * m.x, sense=pyo.maximize)
    assert classify(m).convex is True


def test_cross_terms_enter_the_hessian() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.o = pyo.Objective(expr=m.x**2 + 3 * m.x * m.y + m.y**2)  # Hessian [[2,3],[3,2]] is indefinite
    assert classify(m).convex is False


def test_counts_integrality_and_bounds() -> None:
    c = classify(models.production_milp())
    assert (c.n_vars, c.n_int, c.n_bin, c.n_cons, c.n_nonzeros) == (3, 2, 0, 2, 5)
    assert not c.pure_integer and not c.bounded  # y has no upper bound
    split = classify(models.market_split(rows=2, columns=6))
    assert split.pure_integer and split.bounded and split.n_bin == 6
    assert (split.objective_degree, split.constraint_degree) == (1, 1)


def test_fixed_variables_are_constants_not_columns() -> None:
    m = models.production_milp()
    m.y.fix(0.5)
    c = classify(m)
    assert c.n_vars == 2 and c.pure_integer


def test_degrees_of_nonlinear_parts() -> None:
    assert classify(models.nlp()).objective_degree is None
    assert classify(models.minlp()).constraint_degree is None
    assert classify(models.convex_qp()).objective_degree == 2


def test_two_objectives_are_refused() -> None:
    m = models.production_lp()
    m.second = pyo.Objective(expr=m.y)
    with pytest.raises(SolverCapabilityError, match="2 active objectives"):
        classify(m)
