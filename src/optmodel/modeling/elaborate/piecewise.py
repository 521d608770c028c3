"""Piecewise-linear functions: breakpoints resolved with the data, evaluated by interpolation.

The compiler builds them with Pyomo's ``Piecewise`` (see
:meth:`~optmodel.modeling.pyomo.expressions.PyomoExpressionBuilder.piecewise_nonconstant`); validation and
the solution checker read the same breakpoints (:meth:`~optmodel.modeling.elaborate.model_data.PiecewiseData.at`).
"""

from __future__ import annotations

from typing import Any

from optmodel.errors import ExpressionError
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    is_number,
)
from optmodel.modeling.elaborate.model_data import PiecewiseData
from optmodel.modeling.elaborate.named import bindings
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation, PiecewiseDef
from optmodel.modeling.language.issues import Issue, IssueCode


def resolve_piecewise(formulation: Formulation, data: ModelData) -> list[Issue]:
    """Add every piecewise function whose breakpoints resolve to ``data.piecewise``; issues otherwise."""
    issues: list[Issue] = []
    for name, definition in formulation.piecewise.items():
        path = f"piecewise.{name}"
        try:
            of = ex.parse(definition.of)
            envs = bindings(definition.index, data)
        except (ExpressionError, EvaluationError, RecursionError):
            continue  # reported by validation with the parser's hint
        try:
            points, values = _breakpoints(definition, data, envs)
        except EvaluationError as error:
            issues.append(Issue(path, IssueCode.MISSING_DATA, str(error), error.hint))
            continue
        data.piecewise[name] = PiecewiseData(name, of, definition.index, envs, points, values)
    return issues


def _breakpoints(
    definition: PiecewiseDef, data: ModelData, envs: dict[Key, dict[str, Any]]
) -> tuple[dict[Key, list[float]], dict[Key, list[float]]]:
    if len(definition.points) != len(definition.values) or len(definition.points) < 2:
        raise EvaluationError(
            f"{len(definition.points)} points and {len(definition.values)} values",
            "give two or more points and one value per point",
        )
    evaluator = Evaluator(data)
    points: dict[Key, list[float]] = {}
    values: dict[Key, list[float]] = {}
    for key, env in envs.items():
        at = "" if key is None else f" at {key!r}"
        row = [
            [_number(evaluator, item, env, at) for item in items]
            for items in (definition.points, definition.values)
        ]
        if any(b <= a for a, b in zip(row[0], row[0][1:], strict=False)):
            raise EvaluationError(
                f"the points must increase{at}: {row[0]}", "list them in increasing order"
            )
        points[key], values[key] = row
    return points, values


def _number(evaluator: Evaluator, item: float | str, env: dict[str, Any], at: str) -> float:
    try:
        value = evaluator.eval(ex.parse(item), env) if isinstance(item, str) else item
    except ExpressionError as error:
        raise EvaluationError(f"{error}{at}", error.hint) from error
    if not is_number(value):
        raise EvaluationError(f"{item!r}{at} is not a number", "points and values are numbers")
    return float(value)
