"""LP sensitivity from the row bounds and solution the caller already holds equals the one read back from
HiGHS (``getLp``/``getSolution``): the fast path passes them to save copying a large model out again."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from optmodel.solvers.highs_sensitivity import lp_sensitivity
from optmodel.standard_form import extract
from optmodel.standard_form.highs_model import build_highs


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=[1, 2, 3])
    m.x = pyo.Var(m.I, bounds=(0, 10))
    m.o = pyo.Objective(expr=3 * m.x[1] + 2 * m.x[2] + m.x[3], sense=pyo.maximize)
    m.cap = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[3] <= 12)
    m.mix = pyo.Constraint(expr=(2, m.x[1] - m.x[2], 5))  # a ranged row
    m.low = pyo.Constraint(expr=m.x[2] + m.x[3] >= 1)
    m.fix = pyo.Constraint(expr=m.x[3] - m.x[1] == -4)
    return m


def test_given_row_bounds_and_solution_give_the_same_sensitivity() -> None:
    form = extract(_model())
    highs = build_highs(form)
    highs.run()
    columns = [(v.parent_component().name, v.index()) for v in form.variables]
    rows = [(c.parent_component().name, None) for c in form.constraints]
    read_back = lp_sensitivity(highs, columns, rows, form.row_constant)
    given = lp_sensitivity(
        highs,
        columns,
        rows,
        form.row_constant,
        row_bounds=(form.row_lower, form.row_upper),
        solution=highs.getSolution(),
    )
    assert read_back is not None and given is not None
    for field in ("duals", "slacks", "reduced_costs", "cost_ranges", "rhs_ranges"):
        a, b = getattr(read_back, field), getattr(given, field)
        assert a.keys() == b.keys(), field
        for name in a:
            left, right = a[name], b[name]
            if isinstance(left, dict):  # indexed: {key: value}
                assert left.keys() == right.keys(), (field, name)
                left, right = list(left.values()), list(right.values())
            same = np.array_equal(np.asarray(left, float), np.asarray(right, float), equal_nan=True)
            assert same, (field, name)
    assert not math.isclose(
        read_back.duals["cap"], 0.0
    )  # a binding row: the comparison means something
