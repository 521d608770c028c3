"""Numbers too large to solve with: data, bounds and literals beyond ``Limits.max_magnitude``. Part of validation.

Past about 1e15 a double no longer holds a unit step, and solvers treat 1e20 as infinity: a model with such
numbers "solves" to an objective of ±inf or to an answer off by whole units. Infinite values are allowed
only where they mean "no limit" (a variable bound, a right-hand side written ``inf``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from optmodel.errors import ExpressionError
from optmodel.limits import current_limits
from optmodel.modeling.checks.context import IssueLog
from optmodel.modeling.elaborate.evaluate import ModelData, is_number
from optmodel.modeling.elaborate.tables import DenseTable
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode


def too_large(value: Any, *, infinite_ok: bool = False, limit: float | None = None) -> bool:
    """Whether ``value`` is a number past the magnitude limit (NaN always; ±inf unless allowed).

    ``limit`` defaults to the limit in force (pass it when checking many values: looking it up costs)."""
    if not is_number(value):
        return False
    try:
        number = float(value)
    except OverflowError:  # an integer literal with hundreds of digits
        return True
    if math.isnan(number):
        return True
    if math.isinf(number):
        return not infinite_ok
    return abs(number) > (current_limits().max_magnitude if limit is None else limit)


def magnitude_message(what: str, value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{what} is {value!r}, not a finite number"
    if isinstance(value, int) and value.bit_length() > 64:  # no float, and too long to print
        shown = f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    else:
        shown = repr(value)
    return f"{what} is {shown}, beyond the largest magnitude allowed ({current_limits().max_magnitude:g})"


_HINT = (
    "rescale the data (e.g. thousands instead of units) or drop the term; for 'no limit' leave the bound "
    "out. The limit is Limits.max_magnitude (OPTMODEL_LIMITS=max_magnitude=...)"
)


def check_magnitudes(formulation: Formulation, data: ModelData, log: IssueLog) -> None:
    """Report every data value, bound and literal in an expression past the magnitude limit."""
    for name, value in data.scalars.items():
        if too_large(value):
            _report(log, f"parameters.{name}.value", f"'{name}'", value)
    limit = current_limits().max_magnitude
    for name, table in data.tables.items():
        # Resolved entries are floats: one array test per table, then the first offender by name.
        values = (
            table.array
            if isinstance(table, DenseTable)
            else np.fromiter(table.values(), dtype=np.float64, count=len(table))
        )
        if not (np.abs(values) <= limit).all():  # NaN fails the test too
            key, value = next((k, v) for k, v in table.items() if too_large(v, limit=limit))
            _report(log, f"parameters.{name}.values", f"{name}[{key!r}]", value)  # one per table
    for name, value in data.defaults.items():
        if too_large(value):
            _report(log, f"parameters.{name}.default", f"the default of '{name}'", value)
    for name, var in formulation.variables.items():
        for field in ("lb", "ub"):
            bound = getattr(var, field)
            if too_large(bound, infinite_ok=True):
                _report(log, f"variables.{name}.{field}", f"the bound {field}", bound)
    for path, text in _expressions(formulation):
        for value in _literals(text):
            if too_large(value, infinite_ok=True):  # 1e400 reads as inf: the evaluation reports it
                _report(log, path, "a number written here", value)
                break


def _report(log: IssueLog, path: str, what: str, value: Any) -> None:
    log.add(path, IssueCode.NUMBER_TOO_LARGE, magnitude_message(what, value), _HINT)


def _expressions(formulation: Formulation) -> Iterator[tuple[str, str]]:
    for name, set_def in formulation.sets.items():
        if set_def.where:
            yield f"sets.{name}.where", set_def.where
    for name, param in formulation.parameters.items():
        if param.expression:
            yield f"parameters.{name}.expression", param.expression
    for name, var in formulation.variables.items():
        for field in ("lb", "ub"):
            if isinstance(getattr(var, field), str):
                yield f"variables.{name}.{field}", getattr(var, field)
    for name, named in formulation.expressions.items():
        yield f"expressions.{name}.expression", named.expression
    yield "objective.expression", formulation.objective.expression
    for name, con in formulation.constraints.items():
        yield f"constraints.{name}.expression", con.expression
        if con.where:
            yield f"constraints.{name}.where", con.where


def _literals(text: str) -> Iterator[float | int]:
    try:
        tree = ex.parse(text)
    except (ExpressionError, RecursionError):
        return  # reported by the expression checks
    for node in ex.walk(tree):
        if isinstance(node, ex.Const) and is_number(node.value):
            yield node.value  # type: ignore[misc]
