"""Named expressions of the variables: parsed once, their index resolved with the data.

``"expressions": {"load": {"index": "k in K", "expression": "sum(w[i] * x[i, k] for i in I)"}}`` lets
constraints and the objective write ``load[k]``; every evaluator (validation's probe, the Pyomo compiler,
the solution checker) evaluates the same tree at the same bindings.
"""

from __future__ import annotations

from typing import Any

from optmodel.errors import ExpressionError
from optmodel.modeling.elaborate.definition_uses import reached
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    NamedExpression,
    as_key,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode


def resolve_expressions(formulation: Formulation, data: ModelData) -> list[Issue]:
    """Add every named expression whose index and text are sound to ``data.expressions``."""
    issues: list[Issue] = []
    for name, definition in formulation.expressions.items():
        path = f"expressions.{name}"
        try:
            tree = ex.parse(definition.expression)
        except (ExpressionError, RecursionError):
            continue  # reported by validation, with the parser's hint
        if name in reached(formulation, name, through_piecewise=False):
            issues.append(
                Issue(
                    f"{path}.expression",
                    IssueCode.UNSUPPORTED,
                    f"expression '{name}' refers to itself (directly or through other expressions)",
                    "define it from variables and parameters; expressions may use earlier ones",
                )
            )
            continue
        try:
            envs = bindings(definition.index, data)
        except (EvaluationError, ExpressionError, RecursionError):
            continue  # reported by validation at expressions.NAME.index
        data.expressions[name] = NamedExpression(name, tree, definition.index, envs)
    return issues


def bindings(domain: str, data: ModelData) -> dict[Key, dict[str, Any]]:
    if not domain.strip():
        return {None: {}}
    clauses = ex.parse_domain(domain)
    targets = [t for c in clauses for t in c.targets]
    return {
        as_key(tuple(env[t] for t in targets)): env
        for env in Evaluator(data).bindings(clauses, None, {})
    }
