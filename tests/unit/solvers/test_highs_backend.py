"""HiGHS specifics: convex QP, refusals it owes the user, IIS and ray reporting, logs and options."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyomo.environ as pyo
import pytest
import solver_models as models

from optmodel.errors import CompileError, SolverCapabilityError
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.matrix import build_matrix
from optmodel.solvers import SolutionStatus, SolveOptions, TerminationCondition, solve_model
from optmodel.solvers.highs import HighsBackend
from optmodel.solvers.trivial import check_finite_data


def test_convex_qp_optimum() -> None:
    result = solve_model(models.convex_qp(), "highs")
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(0.5, abs=1e-6)
    assert result.value("x") == pytest.approx(0.5, abs=1e-4)
    assert result.value("y") == pytest.approx(1.5, abs=1e-4)


def test_qp_with_cross_terms_and_offset() -> None:
    # min x^2 + xy + y^2 - 3x + 7: stationary point 2x + y = 3, x + 2y = 0 -> (2, -1), value 4
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.o = pyo.Objective(expr=m.x**2 + m.x * m.y + m.y**2 - 3 * m.x + 7)
    result = solve_model(m, "highs")
    assert result.objective == pytest.approx(4.0, abs=1e-6)
    assert (result.value("x"), result.value("y")) == pytest.approx((2.0, -1.0), abs=1e-4)


def test_nonconvex_qp_is_refused_even_when_called_directly() -> None:
    with pytest.raises(SolverCapabilityError, match="not convex"):
        HighsBackend().solve(models.nonconvex_qp(), SolveOptions())


def test_miqp_is_refused() -> None:
    m = models.convex_qp()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    with pytest.raises(SolverCapabilityError, match="MIQP"):
        solve_model(m, "highs")


def test_iis_names_come_from_the_symbol_map() -> None:
    model, symbols = models.shipping_with_symbols()
    model.cap = pyo.Constraint(expr=model.v[0] <= 2)  # contradicts demand A (ship[1,A] >= 3)
    result = solve_model(model, "highs", symbols=symbols)
    assert result.status is SolutionStatus.INFEASIBLE
    assert set(result.conflicts) == {"demand[A]", "cap"}  # cap is unmapped: Pyomo's own name
    assert "irreducible" in result.message


def test_integer_infeasibility_falls_back_to_a_deletion_filter() -> None:
    result = solve_model(models.infeasible_integer(), "highs")
    assert result.conflicts == ("odd",)
    assert "deletion filter" in result.message
    assert result.extra["conflict_quality"] == "irreducible"


def test_unbounded_mip_is_reported_as_unbounded_with_its_variables() -> None:
    m = models.unbounded_lp()
    m.x.domain = pyo.NonNegativeIntegers  # HiGHS says "unbounded or infeasible" for this MIP
    result = solve_model(m, "highs")
    assert result.termination is TerminationCondition.UNBOUNDED
    assert set(result.unbounded_variables) == {"x", "y"}


def test_fixed_variables_appear_in_the_solution() -> None:
    m = models.production_milp()
    m.y.fix(0.5)
    result = solve_model(m, "highs")
    assert result.value("y") == 0.5
    assert result.objective == pytest.approx(22.5)


def test_log_is_captured_and_version_recorded() -> None:
    result = solve_model(models.production_milp(), "highs")
    assert "HiGHS" in result.log and result.solver_version.startswith("HiGHS 1.")


def test_options_reach_highs() -> None:
    options = SolveOptions(rel_gap=0.5, time_limit=1, seed=3)
    result = solve_model(models.market_split(), "highs", options)
    assert "(tolerance: 50%)" in result.log  # HiGHS's report echoes the gap it worked to
    assert result.termination is TerminationCondition.TIME_LIMIT


def test_empty_model_is_its_constant() -> None:
    m = pyo.ConcreteModel()
    m.o = pyo.Objective(expr=5.0)
    result = solve_model(m, "highs")
    assert result.status is SolutionStatus.OPTIMAL and result.objective == 5.0


@pytest.mark.parametrize(
    ("row_value", "row_upper", "named"),
    [(2, None, "cap[2]"), (None, 1, "cap[1]"), (3, 2, "cap[2]")],
)
def test_the_first_row_with_a_nan_or_infinite_entry_is_named(
    row_value: int | None, row_upper: int | None, named: str
) -> None:
    formulation = Formulation.model_validate(
        {
            "sets": {"I": [0, 1, 2, 3]},
            "variables": {"x": {"index": ["I"]}},
            "objective": {"sense": "max", "expression": "sum(x[i] for i in I)"},
            "constraints": {"cap": {"forall": "i in I", "expression": "x[i] + x[0] <= 5"}},
        }
    )
    built = build_matrix(formulation, resolve_data(formulation)[0])
    form = built.form
    assert list(form.constraints) == [("cap", i) for i in range(4)]
    check_finite_data(form, built.symbols)  # all finite: nothing to say
    values, upper = form.row_value.copy(), form.row_upper.copy()
    if row_value is not None:  # the entries of row k are row_start[k]:row_start[k + 1]
        values[form.row_start[row_value]] = np.inf
    if row_upper is not None:
        upper[row_upper] = np.nan
    broken = dataclasses.replace(form, row_value=values, row_upper=upper)
    with pytest.raises(CompileError) as raised:
        check_finite_data(broken, built.symbols)
    assert raised.value.path == named
