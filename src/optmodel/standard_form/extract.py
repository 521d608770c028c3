"""Pyomo model -> row-wise sparse arrays, with quadratic and nonlinear parts kept aside.

One walk over the model (``generate_standard_repn`` per row) feeds classification, every backend and the
LP/MPS writer, so they all agree on what the model is. Fixed variables are folded into constants by Pyomo's
repn and are not columns; their values are kept in :attr:`StandardForm.fixed`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.repn.standard_repn import generate_standard_repn

from optmodel.errors import SolverCapabilityError

#: ``(i, j, coef)`` meaning ``coef * x_i * x_j`` (``i == j`` for a square term).
QuadTerm = tuple[int, int, float]


@dataclass(frozen=True)
class NonlinearPart:
    """The non-linear rest of a row or objective: quadratic terms and/or a general Pyomo expression."""

    quadratic: tuple[QuadTerm, ...] = ()
    #: Whatever Pyomo could not split into linear/quadratic terms (``exp(x)``, ``x**3``, ...), or None.
    expression: Any = None

    @property
    def degree(self) -> int | None:
        """2 for purely quadratic, None for general nonlinear (degree unknown or > 2)."""
        return None if self.expression is not None else 2


@dataclass(frozen=True)
class StandardForm:
    """``min/max c'x + quad + nl + offset`` s.t. ``row_lower <= A x + quad_r + nl_r <= row_upper``, bounds, integrality."""

    variables: Sequence[Any]  # VarData (or a symbol), one per column
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column (binaries included)
    binary: np.ndarray  # bool per column
    constraints: Sequence[Any]  # ConstraintData (or a symbol), one per row
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_start: np.ndarray  # CSR of the linear part: row i has entries row_start[i]:row_start[i+1]
    row_index: np.ndarray
    row_value: np.ndarray
    #: Rows with quadratic or nonlinear parts, by row number.
    row_nonlinear: dict[int, NonlinearPart]
    sense: int  # +1 minimise, -1 maximise
    objective_linear: np.ndarray
    objective_offset: float
    objective_nonlinear: NonlinearPart | None
    has_objective: bool
    #: Fixed VarData -> value (a ComponentMap: VarData is unhashable).
    fixed: ComponentMap = field(default_factory=ComponentMap)
    #: The constant of each row's body, moved into ``row_lower``/``row_upper`` (added back for RHS ranging).
    row_constant: np.ndarray | None = None

    @property
    def n_cols(self) -> int:
        return len(self.variables)

    @property
    def n_rows(self) -> int:
        return len(self.constraints)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and coefficients of the linear part of row ``i``."""
        lo, hi = self.row_start[i], self.row_start[i + 1]
        return self.row_index[lo:hi], self.row_value[lo:hi]


class _Columns:
    """Assigns column numbers to variables as they are met, keeping fixed ones aside."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.variables: list[Any] = []

    def add(self, var: Any) -> int:
        key = id(var)
        col = self.index.get(key)
        if col is None:
            col = len(self.variables)
            self.index[key] = col
            self.variables.append(var)
        return col


def extract(model: pyo.Block) -> StandardForm:
    """Split ``model`` into linear arrays plus quadratic/nonlinear parts. Never refuses a model class.

    Raises :class:`SolverCapabilityError` for more than one active objective.
    """
    columns = _Columns()
    fixed = ComponentMap()
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.fixed:
            fixed[var] = float(pyo.value(var))
        else:
            columns.add(var)

    constraints: list[Any] = []
    lower: list[float] = []
    upper: list[float] = []
    row_constants: list[float] = []
    starts: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    row_nonlinear: dict[int, NonlinearPart] = {}
    for con in model.component_data_objects(
        pyo.Constraint, active=True, descend_into=True, sort=True
    ):
        repn = generate_standard_repn(con.body, quadratic=True)
        constant = float(pyo.value(repn.constant))
        lb = -math.inf if con.lb is None else float(con.lb) - constant
        ub = math.inf if con.ub is None else float(con.ub) - constant
        row = len(constraints)
        constraints.append(con)
        lower.append(lb)
        upper.append(ub)
        row_constants.append(constant)
        for var, coef in _merged_linear(repn, columns):
            indices.append(var)
            values.append(coef)
        starts.append(len(indices))
        part = _nonlinear_part(repn, columns)
        if part is not None:
            row_nonlinear[row] = part

    objectives = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) > 1:
        names = ", ".join(o.name for o in objectives)
        raise SolverCapabilityError(
            f"the model has {len(objectives)} active objectives ({names}); deactivate all but one"
        )
    sense = 1
    offset = 0.0
    objective_terms: list[tuple[int, float]] = []
    objective_nonlinear = None
    if objectives:
        objective = objectives[0]
        sense = -1 if objective.sense == pyo.maximize else 1
        repn = generate_standard_repn(objective.expr, quadratic=True)
        offset = float(pyo.value(repn.constant))
        objective_terms = list(_merged_linear(repn, columns))
        objective_nonlinear = _nonlinear_part(repn, columns)

    n = len(columns.variables)
    cost = np.zeros(n)
    for col, coef in objective_terms:
        cost[col] += coef
    col_lower, col_upper, integer, binary = _column_arrays(columns.variables)
    return StandardForm(
        variables=columns.variables,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        binary=binary,
        constraints=constraints,
        row_lower=np.array(lower, dtype=np.float64),
        row_upper=np.array(upper, dtype=np.float64),
        row_start=np.array(starts, dtype=np.int32),
        row_index=np.array(indices, dtype=np.int32),
        row_value=np.array(values, dtype=np.float64),
        row_nonlinear=row_nonlinear,
        sense=sense,
        objective_linear=cost,
        objective_offset=offset,
        objective_nonlinear=objective_nonlinear,
        has_objective=bool(objectives),
        fixed=fixed,
        row_constant=np.array(row_constants, dtype=np.float64),
    )


def _merged_linear(repn: Any, columns: _Columns) -> list[tuple[int, float]]:
    """Linear terms with repeated variables merged and zero coefficients dropped."""
    merged: dict[int, float] = {}
    for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        col = columns.add(var)
        merged[col] = merged.get(col, 0.0) + float(pyo.value(coef))
    return [(col, coef) for col, coef in merged.items() if coef != 0.0]


def _nonlinear_part(repn: Any, columns: _Columns) -> NonlinearPart | None:
    quadratic = tuple(
        (columns.add(a), columns.add(b), float(pyo.value(coef)))
        for (a, b), coef in zip(repn.quadratic_vars, repn.quadratic_coefs, strict=True)
        if float(pyo.value(coef)) != 0.0
    )
    expression = repn.nonlinear_expr
    if expression is not None:
        for var in repn.nonlinear_vars:
            columns.add(var)
    if not quadratic and expression is None:
        return None
    return NonlinearPart(quadratic=quadratic, expression=expression)


def _column_arrays(variables: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(variables)
    lower = np.full(n, -math.inf)
    upper = np.full(n, math.inf)
    integer = np.zeros(n, dtype=bool)
    binary = np.zeros(n, dtype=bool)
    for col, var in enumerate(variables):
        lb, ub = var.bounds
        if lb is not None:
            lower[col] = float(lb)
        if ub is not None:
            upper[col] = float(ub)
        integer[col] = var.is_integer()
        binary[col] = integer[col] and lower[col] >= 0.0 and upper[col] <= 1.0
    return lower, upper, integer, binary
