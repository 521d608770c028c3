"""Checking a solution on the fast path's arrays: every relation's operands as row activities, bounds, integrality.

It reports exactly what :func:`optmodel.modeling.solution_check.check_solution` reports for a linear model (the same
links of each chain, the same relative scaling), at array speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from optmodel.modeling.matrix.build import MatrixModel, RelationRows
from optmodel.modeling.solution_check import (
    BoundViolation,
    CheckReport,
    IntegralityViolation,
    Violation,
)
from optmodel.standard_form.labels import KeyedValues
from optmodel.symbols import format_symbol


def check_matrix_solution(
    model: MatrixModel, values: Mapping[str, Any], tol: float = 1e-6
) -> CheckReport:
    """Every constraint, bound and integrality requirement of the model at ``values`` (Formulation names)."""
    x, missing = _column_values(model, values)
    rows: list[Violation] = []
    amounts: list[np.ndarray] = []
    relatives: list[np.ndarray] = []
    for relation in model.relations:
        amount, relative, lhs, rhs = _relation_violations(relation, x)
        amounts.append(amount)
        relatives.append(relative)
        for i in np.flatnonzero(amount > tol).tolist():
            key = relation.keys[i]
            rows.append(
                Violation(
                    relation.name,
                    key,
                    float(amount[i]),
                    float(relative[i]),
                    relation.source,
                    float(lhs[i]),
                    float(rhs[i]),
                )
            )
    form = model.form
    names: Sequence[Any] = form.variables  # (name, key) per column
    known = ~np.isnan(x)
    below = np.where(known, form.col_lower - x, 0.0)
    above = np.where(known, x - form.col_upper, 0.0)
    bounds = [
        BoundViolation(
            names[j][0],
            names[j][1],
            "lower",
            float(x[j]),
            float(form.col_lower[j]),
            float(below[j]),
        )
        for j in np.flatnonzero(below > 0).tolist()
    ] + [
        BoundViolation(
            names[j][0],
            names[j][1],
            "upper",
            float(x[j]),
            float(form.col_upper[j]),
            float(above[j]),
        )
        for j in np.flatnonzero(above > 0).tolist()
    ]
    gaps = np.where(form.integer & known, np.abs(x - np.round(x)), 0.0)
    integrality = [
        IntegralityViolation(names[j][0], names[j][1], float(x[j]), float(gaps[j]))
        for j in np.flatnonzero(gaps > 0).tolist()
    ]
    unset = [math.inf] * bool(missing)
    row_max = [float(a.max()) for a in amounts if len(a)]
    relative_max = [float(r.max()) for r in relatives if len(r)]
    bound_amounts = [b.amount for b in bounds]
    bound_relative = [b.amount / max(1.0, abs(b.limit)) for b in bounds]
    objective = float(form.objective_linear @ np.nan_to_num(x, nan=0.0)) + form.objective_offset
    if missing:
        objective = math.nan
    return CheckReport(
        max_violation=max(row_max + bound_amounts + unset, default=0.0),
        max_relative_violation=max(relative_max + bound_relative + unset, default=0.0),
        max_integrality_violation=max((i.amount for i in integrality), default=0.0),
        violations=rows,
        bound_violations=[b for b in bounds if b.amount > tol],
        integrality_violations=[i for i in integrality if i.amount > tol],
        objective_value=objective,
        missing=missing,
        tol=tol,
    )


def _column_values(model: MatrixModel, values: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    x = np.full(model.form.n_cols, math.nan)
    missing: list[str] = []
    for name, layout in model.layouts.items():
        entry = values.get(name)
        count = len(layout.keys)
        # The solver's values over the columns' own keys: nothing to look up.
        numbers = entry.array(layout.keys) if isinstance(entry, KeyedValues) else None
        if numbers is None:
            numbers = _numbers(_column(entry, layout.keys, layout.indexed), count)
        x[layout.offset : layout.offset + count] = numbers
        missing += [
            format_symbol((name, layout.keys[j]))
            for j in np.flatnonzero(np.isnan(numbers)).tolist()
        ]
    return x, missing


def _column(entry: Any, keys: Sequence[Any], indexed: bool) -> list[Any]:
    if not indexed:
        return [entry]
    if not isinstance(entry, Mapping):
        return [None] * len(keys)
    # Values keyed in the columns' own order: then no key is looked up.
    if isinstance(entry, dict) and tuple(entry) == tuple(keys):
        return list(entry.values())
    return [entry.get(k) for k in keys]


def _numbers(column: list[Any], count: int) -> np.ndarray:
    try:
        return np.fromiter(column, dtype=np.float64, count=count)
    except (TypeError, ValueError):  # a missing or non-numeric value
        return np.array([_number(v) for v in column], dtype=np.float64)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _relation_violations(
    relation: RelationRows, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per instance: the worst link's violation, relative violation, and its two sides."""
    size = len(relation.keys)
    sides = []
    for operand in relation.operands:
        with np.errstate(all="ignore"):
            activity = np.bincount(
                operand.rows, weights=operand.coefs * x[operand.cols], minlength=size
            )
        sides.append(operand.const + activity)
    amount = np.full(size, -1.0)
    lhs = np.zeros(size)
    rhs = np.zeros(size)
    for op, left, right in zip(relation.ops, sides, sides[1:], strict=False):
        link = _violation(op, left, right)
        worse = link > amount  # the first worst link, as max() picks it
        amount = np.where(worse, link, amount)
        lhs = np.where(worse, left, lhs)
        rhs = np.where(worse, right, rhs)
    with np.errstate(all="ignore"):
        relative = amount / np.maximum(1.0, np.maximum(np.abs(lhs), np.abs(rhs)))
    relative = np.where(np.isinf(amount), math.inf, relative)
    return amount, relative, lhs, rhs


def _violation(op: str, lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        same_infinity = np.isinf(lhs) & (lhs == rhs)
        if op == "<=":
            amount = np.where(same_infinity, 0.0, np.maximum(0.0, lhs - rhs))
        elif op == ">=":
            amount = np.where(same_infinity, 0.0, np.maximum(0.0, rhs - lhs))
        else:
            amount = np.where(lhs == rhs, 0.0, np.abs(lhs - rhs))
    return np.where(np.isnan(lhs) | np.isnan(rhs), math.inf, amount)
