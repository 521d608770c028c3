"""Checks every backend runs before solving: data no solver can use, and infeasibility visible without one.

Solvers disagree on such models (HiGHS drops an empty row it cannot satisfy and reports "optimal"; OR-Tools
rejects crossed bounds as invalid input), so they are decided here, the same way for all.
"""

from __future__ import annotations

import math

import numpy as np

from optmodel.errors import CompileError
from optmodel.solvers.base import SolutionStatus, SolveResult, TerminationCondition
from optmodel.standard_form import StandardForm
from optmodel.standard_form.labels import constraint_label, variable_label
from optmodel.symbols import SymbolMap

_TOLERANCE = 1e-9


def check_finite_data(form: StandardForm, symbols: SymbolMap | None) -> None:
    """Raise :class:`CompileError` naming the first constraint or objective with a NaN/infinite coefficient."""
    bad = np.isnan(form.row_lower) | np.isnan(form.row_upper)
    nonfinite = ~np.isfinite(form.row_value)
    if nonfinite.any():  # the rows holding those entries, without a Python loop over rows
        entry_rows = np.repeat(np.arange(form.n_rows), np.diff(form.row_start))
        bad[entry_rows[nonfinite]] = True
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise CompileError(
            "a coefficient or bound is NaN or infinite",
            path=constraint_label(form.constraints[first], symbols),
            hint="check the data feeding this constraint",
        )
    if not np.isfinite(form.objective_linear).all() or not math.isfinite(form.objective_offset):
        raise CompileError(
            "a coefficient is NaN or infinite",
            path="objective",
            hint="check the data feeding the objective",
        )
    quadratic = [part.quadratic for part in form.row_nonlinear.values()]
    if form.objective_nonlinear is not None:
        quadratic.append(form.objective_nonlinear.quadratic)
    if not all(math.isfinite(coef) for terms in quadratic for _, _, coef in terms):
        raise CompileError(
            "a quadratic coefficient is NaN or infinite", hint="check the model data"
        )
    if np.isnan(form.col_lower).any() or np.isnan(form.col_upper).any():
        raise CompileError("a variable bound is NaN", hint="check the variables' bounds")


def obvious_infeasibility(
    form: StandardForm, symbols: SymbolMap | None, solver: str, version: str
) -> SolveResult | None:
    """An INFEASIBLE result when a variable's bounds cross (integers: no integer between them) or a
    constraint left without variables (all fixed) cannot hold; None otherwise."""
    lower = np.where(form.integer, np.ceil(form.col_lower - _TOLERANCE), form.col_lower)
    upper = np.where(form.integer, np.floor(form.col_upper + _TOLERANCE), form.col_upper)
    crossed = [int(j) for j in np.flatnonzero(lower > upper + _TOLERANCE)]
    starts = np.asarray(form.row_start)
    empty_rows = [  # rows without a term, found at C speed (a model has a hundred thousand rows)
        i
        for i in np.flatnonzero(starts[1:] == starts[:-1]).tolist()
        if i not in form.row_nonlinear
        and not (form.row_lower[i] - _TOLERANCE <= 0.0 <= form.row_upper[i] + _TOLERANCE)
    ]
    if not crossed and not empty_rows:
        return None
    conflicts = tuple(constraint_label(form.constraints[i], symbols) for i in empty_rows)
    parts = []
    if conflicts:
        parts.append(f"constraint(s) {', '.join(conflicts)} cannot hold at the fixed values")
    if crossed:
        names = ", ".join(variable_label(form.variables[j], symbols) for j in crossed)
        parts.append(f"the bounds of {names} admit no value")
    return SolveResult(
        termination=TerminationCondition.INFEASIBLE,
        status=SolutionStatus.INFEASIBLE,
        solver=solver,
        solver_version=version,
        conflicts=conflicts,
        message=f"the model is infeasible: {'; '.join(parts)}",
    )
