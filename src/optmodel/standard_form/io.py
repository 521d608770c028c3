"""LP / MPS import and export, through HiGHS's readers and writers.

Export goes Pyomo model -> :mod:`optmodel.standard_form` -> highspy -> file, with the Formulation's names
(``x[1,A]`` is written ``x(1,A)``, the closest LP-legal spelling). Import reads with highspy and builds a
linear (or quadratic-objective) Pyomo model whose columns and rows keep the file's names.

HiGHS rejects an LP file without the closing ``end`` keyword and is left with an *empty* model whose
"optimum" would be 0, so both the read status and the model size are checked, and a missing ``end`` is
retried once on a temporary copy.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.expr.numeric_expr import LinearExpression

from optmodel.atomic_files import atomic_output
from optmodel.errors import ModelFileError
from optmodel.limits import current_limits
from optmodel.standard_form import extract
from optmodel.standard_form.file_check import check_model_file
from optmodel.standard_form.highs_model import build_highs, highs_obstacle, new_highs
from optmodel.standard_form.labels import constraint_label, file_safe_names, variable_label
from optmodel.symbols import SymbolMap

if TYPE_CHECKING:
    import highspy

_READABLE = {".lp": "lp", ".mps": "mps"}


def write_lp(model: pyo.ConcreteModel, path: str | Path, symbols: SymbolMap | None = None) -> Path:
    """Write ``model`` as a CPLEX-LP file at ``path``; names come from ``symbols`` when given.

    Fixed variables are written as the constants they are. Raises :class:`ModelFileError` for a model the
    format cannot hold (nonlinear or quadratic constraints).
    """
    return _write(model, Path(path), symbols, ".lp")


def write_mps(model: pyo.ConcreteModel, path: str | Path, symbols: SymbolMap | None = None) -> Path:
    """Write ``model`` as a (free) MPS file at ``path``; names come from ``symbols`` when given."""
    return _write(model, Path(path), symbols, ".mps")


def write_lp_or_mps(
    model: pyo.ConcreteModel,
    symbols: SymbolMap | None,
    *,
    lp: str | Path | None = None,
    mps: str | Path | None = None,
) -> None:
    """Write ``model`` to whichever of the LP and MPS paths are given."""
    if lp is not None:
        write_lp(model, lp, symbols)
    if mps is not None:
        write_mps(model, mps, symbols)


def read_model_file(path: str | Path) -> tuple[pyo.ConcreteModel, SymbolMap]:
    """Read an ``.lp`` or ``.mps`` file into a Pyomo model and a SymbolMap naming every column and row.

    Variables are ``model.x[j]`` and constraints ``model.c[i]``; the SymbolMap maps them to the file's
    column and row names (key None), so solutions come back as ``{"x1": 3.0, ...}``.
    Raises :class:`ModelFileError` when the file is missing, unreadable, or holds no variables.
    """
    file = Path(path)
    if not file.is_file():
        raise ModelFileError(f"model file not found: {file}")
    kind = _READABLE.get(file.suffix.lower())
    if kind is None:
        raise ModelFileError(f"{file}: expected an .lp or .mps file, got '{file.suffix}'")
    check_file(file)
    highs = _read_with_end_retry(file, kind)
    return _pyomo_from_highs(highs, file.stem)


def check_file(path: Path) -> None:
    """Refuse a damaged LP/MPS file (:class:`ModelFileError` naming the line) before a solver reads it.

    Warnings (an LP file without ``end``) are issued with :func:`warnings.warn`.
    """
    try:
        found = check_model_file(path, max_magnitude=current_limits().max_magnitude)
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for warning in found:
        warnings.warn(warning, stacklevel=3)


def _write(model: pyo.ConcreteModel, path: Path, symbols: SymbolMap | None, suffix: str) -> Path:
    form = extract(model)
    obstacle = highs_obstacle(form)
    if obstacle is not None:
        raise ModelFileError(f"cannot write {path}: {obstacle}; LP/MPS hold linear models")
    col_names = file_safe_names((variable_label(v, symbols) for v in form.variables), "v")
    row_names = file_safe_names((constraint_label(c, symbols) for c in form.constraints), "r")
    highs = build_highs(form, col_names, row_names)
    # HiGHS picks the format from the file name: the temp file keeps the suffix asked for.
    with atomic_output(path, suffix=suffix) as temp:
        status = highs.writeModel(str(temp))
        if status.name == "kError" or temp.stat().st_size == 0:
            raise ModelFileError(f"HiGHS could not write {path}")
    return path


def _read_with_end_retry(file: Path, kind: str) -> highspy.Highs:
    highs, log = _read_once(file)
    if highs is not None:
        return highs
    hint = ""
    if kind == "lp" and not _ends_with_end(file):
        hint = " (it also lacks the closing 'end' keyword; appending one did not help)"
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / file.name
            copy.write_bytes(file.read_bytes() + b"\nend\n")
            highs, _ = _read_once(copy)
        if highs is not None:
            return highs  # check_file has warned about the missing 'end'

    detail = f": {log}" if log else ""
    raise ModelFileError(
        f"{file}: HiGHS could not read a model with variables from it{hint}{detail}"
    )


def _read_once(file: Path) -> tuple[highspy.Highs | None, str]:
    """The loaded Highs, or None and HiGHS's complaint when the read fails or yields no columns."""
    import highspy

    highs = new_highs()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "read.log"
        highs.setOptionValue("output_flag", True)
        highs.setOptionValue("log_to_console", False)
        highs.setOptionValue("log_file", str(log_path))
        status = highs.readModel(str(file))
        highs.setOptionValue("log_file", "")
        highs.setOptionValue("output_flag", False)
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    complaints = [line.strip() for line in log.splitlines() if "ERROR" in line or "WARNING" in line]
    if status == highspy.HighsStatus.kError or highs.getNumCol() == 0:
        return None, "; ".join(complaints[:3])
    return highs, ""


def _ends_with_end(file: Path) -> bool:
    for line in reversed(file.read_text(errors="replace").splitlines()):
        text = line.split("\\", 1)[0].strip()  # '\' starts an LP comment
        if text:
            return text.lower() == "end"
    return False


def _pyomo_from_highs(highs: highspy.Highs, name: str) -> tuple[pyo.ConcreteModel, SymbolMap]:
    import highspy

    lp = highs.getLp()
    n, m = lp.num_col_, lp.num_row_
    col_names = list(lp.col_names_) or [f"c{j}" for j in range(n)]
    row_names = list(lp.row_names_) or [f"r{i}" for i in range(m)]
    kinds = list(lp.integrality_) or [highspy.HighsVarType.kContinuous] * n
    unsupported = {highspy.HighsVarType.kSemiContinuous, highspy.HighsVarType.kSemiInteger}
    if any(kind in unsupported for kind in kinds):
        raise ModelFileError(f"{name}: semi-continuous/semi-integer columns are not supported")
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)

    model = pyo.ConcreteModel(name=name)
    model.x = pyo.Var(
        range(n),
        domain=lambda _, j: _domain(
            kinds[j] == highspy.HighsVarType.kInteger, float(lower[j]), float(upper[j])
        ),
        bounds=lambda _, j: (_finite(float(lower[j])), _finite(float(upper[j]))),
    )
    xs = [model.x[j] for j in range(n)]

    starts, indices, values = _rowwise(lp)
    row_lower, row_upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    kept = [i for i in range(m) if math.isfinite(row_lower[i]) or math.isfinite(row_upper[i])]

    def row_rule(_: Any, i: int) -> Any:
        lo, hi = starts[i], starts[i + 1]
        body = LinearExpression(
            constant=0.0,
            linear_coefs=values[lo:hi].tolist(),
            linear_vars=[xs[j] for j in indices[lo:hi]],
        )
        if row_lower[i] == row_upper[i]:
            return body == float(row_lower[i])
        return (_finite(row_lower[i]), body, _finite(row_upper[i]))

    model.c = pyo.Constraint(kept, rule=row_rule)
    model.obj = pyo.Objective(
        expr=_objective_expression(highs, xs),
        sense=pyo.maximize if lp.sense_ == highspy.ObjSense.kMaximize else pyo.minimize,
    )
    # VarData is unhashable (== builds an expression), so the maps are keyed by identity.
    symbols = SymbolMap(
        variables=ComponentMap((xs[j], (col_names[j], None)) for j in range(n)),
        constraints=ComponentMap((model.c[i], (row_names[i], None)) for i in kept),
    )
    return model, symbols


def _objective_expression(highs: highspy.Highs, xs: list[Any]) -> Any:
    lp = highs.getLp()
    cost = np.asarray(lp.col_cost_)
    nonzero = np.flatnonzero(cost)
    linear = LinearExpression(
        constant=float(lp.offset_),
        linear_coefs=cost[nonzero].tolist(),
        linear_vars=[xs[j] for j in nonzero],
    )
    hessian = highs.getModel().hessian_
    if hessian.dim_ == 0 or len(hessian.value_) == 0:
        return linear
    # HiGHS stores Q (objective x'Qx/2) as a lower triangle, column by column.
    terms = []
    start, index, value = hessian.start_, hessian.index_, hessian.value_
    for col in range(hessian.dim_):
        for k in range(start[col], start[col + 1]):
            row = index[k]
            coef = value[k] / 2.0 if row == col else value[k]
            terms.append(coef * xs[row] * xs[col])
    return linear + pyo.quicksum(terms)


def _rowwise(lp: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, column indices, values) of the constraint matrix, row by row."""
    import highspy

    matrix = lp.a_matrix_
    start = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    value = np.asarray(matrix.value_, dtype=np.float64)
    if matrix.format_ == highspy.MatrixFormat.kRowwise:
        return start, index, value
    counts = np.diff(start)
    cols = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((cols, index))
    row_starts = np.zeros(lp.num_row_ + 1, dtype=np.int64)
    np.add.at(row_starts, index + 1, 1)
    return np.cumsum(row_starts), cols[order], value[order]


def _domain(integer: bool, lower: float, upper: float) -> Any:
    if not integer:
        return pyo.Reals
    return pyo.Binary if lower >= 0.0 and upper <= 1.0 else pyo.Integers


def _finite(bound: float) -> float | None:
    return float(bound) if math.isfinite(bound) else None
