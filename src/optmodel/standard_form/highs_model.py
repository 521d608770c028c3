"""StandardForm -> a highspy ``Highs`` object holding the same LP/MILP/QP (for solving and for writing files)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from optmodel.errors import SolverError
from optmodel.silent_highs import new_highs
from optmodel.standard_form.extract import StandardForm

if TYPE_CHECKING:
    import highspy


def highs_obstacle(form: StandardForm) -> str | None:
    """Why HiGHS cannot hold ``form`` (quadratic/nonlinear rows, non-quadratic objective), or None."""
    if form.row_nonlinear:
        first = form.constraints[next(iter(form.row_nonlinear))]
        return (
            f"{len(form.row_nonlinear)} constraint(s) are nonlinear (e.g. {first.name}); "
            "HiGHS takes linear constraints only"
        )
    if form.objective_nonlinear is not None and form.objective_nonlinear.expression is not None:
        return "the objective is nonlinear beyond quadratic"
    return None


def build_highs(
    form: StandardForm,
    col_names: Sequence[str] | None = None,
    row_names: Sequence[str] | None = None,
) -> highspy.Highs:
    """A quiet ``Highs`` holding ``form``; call :func:`highs_obstacle` first (this asserts it is None)."""
    import highspy

    assert highs_obstacle(form) is None, highs_obstacle(form)
    if col_names is None and row_names is None:
        highs = new_highs()
        # The arrays go in through the buffer protocol; HighsLp's attributes copy them element by element.
        # (highspy's stubs omit this overload: the LP one with integrality.)
        arrays = [form.objective_linear, form.col_lower, form.col_upper]
        arrays += [form.row_lower, form.row_upper, form.row_value]
        floats = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
        status = highs.passModel(  # type: ignore[call-overload]
            form.n_cols,
            form.n_rows,
            len(form.row_value),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMaximize if form.sense < 0 else highspy.ObjSense.kMinimize),
            form.objective_offset,
            *floats[:5],
            np.ascontiguousarray(form.row_start, dtype=np.int32),
            np.ascontiguousarray(form.row_index, dtype=np.int32),
            floats[5],
            np.ascontiguousarray(form.integer, dtype=np.int32),  # 1 = kInteger, 0 = kContinuous
        )
        _check(highs, status, "passModel")
        _pass_hessian(highs, form)
        return highs
    lp = highspy.HighsLp()
    lp.num_col_ = form.n_cols
    lp.num_row_ = form.n_rows
    lp.col_cost_ = form.objective_linear
    lp.col_lower_ = form.col_lower
    lp.col_upper_ = form.col_upper
    lp.row_lower_ = form.row_lower
    lp.row_upper_ = form.row_upper
    lp.offset_ = form.objective_offset
    lp.sense_ = highspy.ObjSense.kMaximize if form.sense < 0 else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = form.n_cols
    lp.a_matrix_.num_row_ = form.n_rows
    lp.a_matrix_.start_ = form.row_start
    lp.a_matrix_.index_ = form.row_index
    lp.a_matrix_.value_ = form.row_value
    if form.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in form.integer
        ]
    if col_names is not None:
        lp.col_names_ = list(col_names)
    if row_names is not None:
        lp.row_names_ = list(row_names)
    highs = new_highs()
    _check(highs, highs.passModel(lp), "passModel")
    _pass_hessian(highs, form)
    return highs


def _pass_hessian(highs: highspy.Highs, form: StandardForm) -> None:
    if form.objective_nonlinear is not None and form.objective_nonlinear.quadratic:
        dim, start, index, value = hessian_lower_triangle(form)
        _check(highs, highs.passHessian(dim, len(value), 1, start, index, value), "passHessian")


def hessian_lower_triangle(form: StandardForm) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The objective's quadratic terms as HiGHS wants them: ``Q`` with objective ``c'x + x'Qx/2``,
    lower triangle, column-wise (``coef*x_i*x_j`` gives ``Q_ij = Q_ji = coef``; ``coef*x_i^2`` gives ``Q_ii = 2coef``).
    """
    assert form.objective_nonlinear is not None
    entries: dict[tuple[int, int], float] = {}
    for i, j, coef in form.objective_nonlinear.quadratic:
        row, col = max(i, j), min(i, j)
        entries[(row, col)] = entries.get((row, col), 0.0) + (2.0 * coef if i == j else coef)
    ordered = sorted((col, row, v) for (row, col), v in entries.items() if v != 0.0)
    dim = form.n_cols
    start = np.zeros(dim + 1, dtype=np.int32)
    for col, _, _ in ordered:
        start[col + 1] += 1
    start = np.cumsum(start, dtype=np.int32)
    index = np.array([row for _, row, _ in ordered], dtype=np.int32)
    value = np.array([v for _, _, v in ordered], dtype=np.float64)
    return dim, start, index, value


def _check(highs: highspy.Highs, status: object, what: str) -> None:
    import highspy

    if status == highspy.HighsStatus.kError:
        raise SolverError(
            f"HiGHS {what} rejected the model (NaN coefficients or inconsistent data?)"
        )
