"""Modelling ``abs``, ``min`` and ``max`` of expressions with auxiliary variables and linear rows.

Where a larger value of the function can only hurt (``max(a, b) <= c``, ``minimize abs(e)``,
``maximize min(a, b)``) a bound suffices: ``t >= a, t >= b`` replaces ``max(a, b)`` exactly, because any
feasible ``t`` above the maximum can be lowered to it. Anywhere else the function must be exact, which
needs one binary per argument and big-M rows built from finite bounds on the arguments; without such bounds
the use cannot be modelled and an :class:`EvaluationError` says how to reformulate.

Auxiliary components live in ``_aux_vars``, ``_aux_binaries`` and ``_aux_rows`` and are not in the symbol map.
"""

from __future__ import annotations

import math
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr

from optmodel.modeling.elaborate.evaluate import EvaluationError, is_number

_HINTS = {
    "abs": (
        "abs(e) is modelled directly where a smaller value is better (abs(e) <= c, minimize abs(e)); "
        "here it must be exact, which needs finite lb/ub on the variables inside it (for a big-M "
        "model), or write e = p - n with p, n >= 0 and a binary choosing which is non-zero"
    ),
    "max": (
        "max(...) is modelled directly where a smaller value is better (max(a, b) <= c, minimize "
        "max(...)); here it must be exact, which needs finite lb/ub on the variables inside it, or "
        "use a variable t with t >= a and t >= b if the model only needs an upper estimate"
    ),
    "min": (
        "min(...) is modelled directly where a larger value is better (min(a, b) >= c, maximize "
        "min(...)); here it must be exact, which needs finite lb/ub on the variables inside it, or "
        "use a variable t with t <= a and t <= b if the model only needs a lower estimate"
    ),
}


def expression_bounds(expr: Any) -> tuple[float | None, float | None]:
    """Interval bounds of an expression from its variables' bounds (None where unbounded)."""
    if is_number(expr):
        return float(expr), float(expr)
    try:
        lower, upper = compute_bounds_on_expr(expr)
    except Exception:  # interval arithmetic gives up on some nonlinear forms: treat as unbounded
        return None, None
    return _finite(lower), _finite(upper)


def _finite(value: Any) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _or_minus_inf(value: float | None) -> float:
    return -math.inf if value is None else value


class NonsmoothModeller:
    """Adds auxiliary variables and rows to ``model`` for ``abs``/``min``/``max`` of non-constant arguments."""

    def __init__(self, model: pyo.ConcreteModel) -> None:
        self.model = model
        self._vars: Any = None
        self._binaries: Any = None
        self._rows: Any = None

    def apply(self, func: str, args: list[Any], sign: int, source: str) -> Any:
        """Replace ``func(*args)``; ``sign`` > 0 where larger is worse, < 0 where smaller is worse, else 0."""
        if func == "abs":
            return self._max([args[0], -args[0]], sign > 0, "abs", source)
        if func == "max":
            return self._max(args, sign > 0, "max", source)
        # min(a, b) = -max(-a, -b); a smaller min is worse exactly where a larger max is.
        return -self._max([-a for a in args], sign < 0, "min", source)

    def _max(self, args: list[Any], bound_suffices: bool, func: str, source: str) -> Any:
        bounds = [expression_bounds(a) for a in args]
        lowers = [lo for lo, _ in bounds]
        uppers = [hi for _, hi in bounds]
        best_lower = max((lo for lo in lowers if lo is not None), default=None)
        top = None if any(hi is None for hi in uppers) else max(uppers)  # type: ignore[type-var]
        # An argument that can never exceed another one's lower bound never decides the maximum.
        live = [
            n for n, hi in enumerate(uppers) if hi is None or best_lower is None or hi > best_lower
        ] or [max(range(len(args)), key=lambda n: _or_minus_inf(lowers[n]))]
        if len(live) == 1:
            return args[live[0]]
        t = self._new_var(best_lower, top)
        for n in live:
            self._add_row(t >= args[n])
        if bound_suffices:
            return t
        if top is None or any(lowers[n] is None for n in live):
            raise EvaluationError(
                f"{source} cannot be modelled here: its arguments have no finite bounds",
                _HINTS[func],
                code="unsupported",
            )
        # Exactly one argument is selected; t may not exceed the selected one.
        choose = [self._new_binary() for _ in live]
        self._add_row(sum(choose) == 1)
        for n, y in zip(live, choose, strict=True):
            big_m = top - lowers[n]  # type: ignore[operator]
            self._add_row(t <= args[n] + big_m * (1 - y))
        return t

    # --- lazily created auxiliary components -------------------------------------------------------
    def _new_var(self, lower: float | None, upper: float | None) -> Any:
        if self._vars is None:
            self._vars = pyo.VarList(domain=pyo.Reals)
            self.model.add_component("_aux_vars", self._vars)
        var = self._vars.add()
        var.setlb(lower)
        var.setub(upper)
        return var

    def _new_binary(self) -> Any:
        if self._binaries is None:
            self._binaries = pyo.VarList(domain=pyo.Binary)
            self.model.add_component("_aux_binaries", self._binaries)
        return self._binaries.add()

    def _add_row(self, relation: Any) -> None:
        if self._rows is None:
            self._rows = pyo.ConstraintList()
            self.model.add_component("_aux_rows", self._rows)
        self._rows.add(relation)
