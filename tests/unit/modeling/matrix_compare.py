"""The fast path's standard form against the one extracted from the compiled Pyomo model (the reference)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.matrix import MatrixModel, build_matrix
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.standard_form import StandardForm, extract
from optmodel.symbols import SymbolMap

#: Coefficients are computed in the same IEEE operations but possibly in another order of summation.
RTOL = 1e-12


def canonical(form: StandardForm, symbols: SymbolMap) -> dict[str, Any]:
    """Columns keyed by symbol; rows (terms, bounds, the constant moved into the bounds) as a sorted list.

    Rows must face the same way too: a dual's sign depends on it."""
    col_names = [repr(symbols.variables[v]) for v in form.variables]
    columns = {
        name: (
            form.col_lower[j],
            form.col_upper[j],
            bool(form.integer[j]),
            bool(form.binary[j]),
            form.objective_linear[j],
        )
        for j, name in enumerate(col_names)
    }
    rows = []
    for i, con in enumerate(form.constraints):
        cols, coefs = form.row(i)
        terms = sorted((col_names[c], float(v)) for c, v in zip(cols, coefs, strict=True))
        lower, upper = float(form.row_lower[i]), float(form.row_upper[i])
        constant = float(form.row_constant[i]) if form.row_constant is not None else 0.0
        rows.append((repr(symbols.constraints[con]), tuple(terms), lower, upper, constant))
    rows.sort(key=lambda r: (r[0], [t[0] for t in r[1]], [round(t[1], 9) for t in r[1]]))
    return {
        "columns": columns,
        "rows": rows,
        "sense": form.sense,
        "offset": form.objective_offset,
        "nonlinear": bool(form.row_nonlinear) or form.objective_nonlinear is not None,
    }


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=RTOL)


def assert_same_standard_form(formulation: Formulation) -> MatrixModel:
    """Build both ways and assert they are the same model; returns the fast path's model."""
    data, _ = resolve_data(formulation)
    matrix = build_matrix(formulation, data)
    compiled = compile_formulation(formulation, data)
    fast = canonical(matrix.form, matrix.symbols)
    reference = canonical(extract(compiled.model), compiled.symbols)
    assert not reference["nonlinear"]
    assert fast["sense"] == reference["sense"]
    assert _close(fast["offset"], reference["offset"])
    assert fast["columns"].keys() == reference["columns"].keys()
    for name, (lo, up, integer, binary, cost) in reference["columns"].items():
        f_lo, f_up, f_integer, f_binary, f_cost = fast["columns"][name]
        assert (f_integer, f_binary) == (integer, binary), name
        assert _close(f_lo, lo) and _close(f_up, up) and _close(f_cost, cost), name
    assert len(fast["rows"]) == len(reference["rows"])
    for got, want in zip(fast["rows"], reference["rows"], strict=True):
        assert got[0] == want[0] and [t[0] for t in got[1]] == [t[0] for t in want[1]], (got, want)
        assert all(_close(a[1], b[1]) for a, b in zip(got[1], want[1], strict=True)), (got, want)
        assert _close(got[2], want[2]) and _close(got[3], want[3]), (got, want)
        assert _close(got[4], want[4]), (got, want)
    return matrix


def solve_values(form: StandardForm) -> np.ndarray:
    """Column values of an optimum (the HiGHS backend's answer), for tests of the array check."""
    from optmodel.standard_form.highs_model import build_highs

    highs = build_highs(form)
    highs.run()
    return np.asarray(highs.getSolution().col_value)
