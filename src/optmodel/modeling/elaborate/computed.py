"""Computed parameters: a scalar or table defined by an expression over other parameters and index names.

``{"index": "i in N, j in N", "expression": "sqrt((px[i] - px[j])**2 + (py[i] - py[j])**2)"}`` is evaluated
once, by the same safe interpreter as everything else, when the data is resolved; afterwards it is an
ordinary table (sets may filter on it, bounds and constraints read it).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    as_key,
    is_number,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import ParamDef

#: Most entries one computed table may have: beyond it the table alone would exhaust memory.
MAX_ENTRIES = 1_000_000


def compute(
    name: str, param: ParamDef, data: ModelData, variables: Collection[str]
) -> float | dict[Key, float]:
    """The scalar value or the table of a computed parameter.

    Raises ExpressionError (the expression or index does not parse) or EvaluationError (a value cannot be
    computed; the message names the index where it failed).
    """
    assert param.expression is not None
    if param.values is not None or param.value is not None:
        raise EvaluationError(
            f"parameter '{name}' has both data and an expression",
            'keep one: "expression" computes the values, "values"/"value" gives them',
        )
    if param.default is not None:
        raise EvaluationError(
            f"computed parameter '{name}' cannot have a default",
            "the expression gives every entry; remove the default",
        )
    if not isinstance(param.index, str) and param.index:
        raise EvaluationError(
            f"computed parameter '{name}' needs its index as a domain to name the index in the expression",
            f'write "index": "{", ".join(f"{n} in {s}" for n, s in zip("ijklmn", param.index, strict=False))}"',
        )
    tree = ex.parse(param.expression)
    evaluator = Evaluator(data, dict.fromkeys(variables))
    if not (isinstance(param.index, str) and param.index.strip()):
        return _number(evaluator.eval(tree, {}), "")
    clauses = ex.parse_domain(param.index)
    targets = [t for c in clauses for t in c.targets]
    size = math.prod(len(data.sets.get(c.set_name, ())) for c in clauses)
    if size > MAX_ENTRIES:
        raise EvaluationError(
            f"computed parameter '{name}' would have {size:,} entries (more than {MAX_ENTRIES:,})",
            "compute it over a smaller domain",
        )
    table: dict[Key, float] = {}
    for env in evaluator.bindings(clauses, None, {}):
        key = as_key(tuple(env[t] for t in targets))
        table[key] = _number(_at(evaluator, tree, env, key), key)
    return table


def _at(evaluator: Evaluator, tree: ex.Node, env: dict[str, Any], key: Key) -> Any:
    try:
        return evaluator.eval(tree, env)
    except EvaluationError as error:
        raise EvaluationError(f"at {key!r}: {error}", error.hint, error.code) from error


def _number(value: Any, key: Key) -> float:
    where = "" if key == "" else f"at {key!r}: "
    if not is_number(value):
        raise EvaluationError(
            f"{where}the expression gives {value!r}, not a number",
            "a computed parameter is a number for each index",
        )
    if not math.isfinite(value):
        raise EvaluationError(f"{where}the expression gives {value}", "check the data it reads")
    return float(value)
