"""Pyomo relations from evaluated sides: decided at once when no variable is involved."""

from __future__ import annotations

import math
from typing import Any

import pyomo.environ as pyo

from optmodel.modeling.elaborate.model_data import is_number

#: Relative tolerance for deciding constant rows (0.1 + 0.2 == 0.3 holds).
CONSTANT_TOL = 1e-9


def pyomo_relation(left: Any, op: str, right: Any) -> Any:
    """A Pyomo relation, or True/False when it is decided without variables."""
    if is_number(left) and is_number(right):
        scale = CONSTANT_TOL * max(1.0, abs(left), abs(right))
        if op == "<=":
            return bool(left <= right + scale)
        if op == ">=":
            return bool(left >= right - scale)
        return bool(abs(left - right) <= scale)
    if op == ">=":
        left, right, op = right, left, "<="
    if op == "<=":
        if is_number(right) and math.isinf(right):
            return right > 0
        if is_number(left) and math.isinf(left):
            return left < 0
        return left <= right
    if (is_number(left) and math.isinf(left)) or (is_number(right) and math.isinf(right)):
        return False
    return left == right


def ranged(lo: float, body: Any, hi: float) -> Any:
    if is_number(body):
        return pyomo_relation(lo, "<=", body) is True and pyomo_relation(body, "<=", hi) is True
    if lo == math.inf or hi == -math.inf or lo > hi:
        return False
    if lo == -math.inf:
        return True if hi == math.inf else body <= hi
    if hi == math.inf:
        return body >= lo
    return body == lo if lo == hi else pyo.inequality(lo, body, hi)
