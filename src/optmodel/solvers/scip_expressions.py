"""Translate a Pyomo expression tree into a PySCIPOpt expression.

Covers sums, products, division, powers, negation, exp/log/log10/sqrt/sin/cos/tan, abs, monomials,
named expressions, parameters and fixed variables. Anything else (Expr_if, external functions, min/max)
raises :class:`SolverCapabilityError` naming the construct, rather than being approximated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr import numeric_expr as ne

from optmodel.errors import SolverCapabilityError


class ScipExpressionBuilder:
    """Turns Pyomo expressions over known variables into PySCIPOpt expressions."""

    def __init__(self, scip_module: Any, variable_of: Callable[[Any], Any]) -> None:
        self._scip = scip_module
        #: Pyomo VarData -> PySCIPOpt variable (unfixed variables only).
        self._variable_of = variable_of

    def build(self, node: Any) -> Any:
        """The PySCIPOpt expression (or float) equal to Pyomo expression ``node``."""
        if isinstance(node, (int, float)):
            return float(node)
        if not node.is_potentially_variable():
            return float(pyo.value(node))  # numbers, params, NPV sub-expressions
        if node.is_variable_type():
            return float(pyo.value(node)) if node.fixed else self._variable_of(node)
        if node.is_named_expression_type():
            return self.build(node.expr)
        handler = _HANDLERS.get(type(node))
        if handler is None:  # subclasses (mutable sums, ...)
            handler = next((h for cls, h in _HANDLERS.items() if isinstance(node, cls)), None)
        if handler is None:
            raise SolverCapabilityError(
                f"SCIP translation does not support the Pyomo construct {type(node).__name__} "
                f"(in {node}); rewrite it with sums, products, powers, exp, log, sqrt or abs"
            )
        return handler(self, node)

    def _sum(self, node: Any) -> Any:
        return self._scip.quicksum(self.build(arg) for arg in node.args)

    def _product(self, node: Any) -> Any:
        left, right = node.args
        return self.build(left) * self.build(right)

    def _division(self, node: Any) -> Any:
        numerator, denominator = node.args
        return self.build(numerator) / self.build(denominator)

    def _negation(self, node: Any) -> Any:
        return -self.build(node.args[0])

    def _power(self, node: Any) -> Any:
        base, exponent = (self.build(arg) for arg in node.args)
        if isinstance(exponent, float):
            if not isinstance(base, float) and exponent.is_integer() and exponent >= 0:
                return base ** int(exponent)  # integral powers stay polynomial for SCIP
            return base**exponent
        if isinstance(base, float):  # a**x = exp(x*log(a)) for a constant a > 0
            if base <= 0:
                raise SolverCapabilityError(f"SCIP cannot take {base}**(variable) (base <= 0)")
            return self._scip.exp(exponent * math.log(base))
        raise SolverCapabilityError(
            f"SCIP translation does not support variable**variable ({node})"
        )

    def _unary(self, node: Any) -> Any:
        name = node.getname()
        arg = self.build(node.args[0])
        scip = self._scip
        functions: dict[str, Callable[[Any], Any]] = {
            "exp": scip.exp,
            "log": scip.log,
            "log10": lambda a: scip.log(a) / math.log(10.0),
            "sqrt": scip.sqrt,
            "sin": scip.sin,
            "cos": scip.cos,
            "tan": lambda a: scip.sin(a) / scip.cos(a),
            "abs": abs,
        }
        function = functions.get(name)
        if function is None:
            raise SolverCapabilityError(f"SCIP translation does not support the function {name}()")
        if isinstance(arg, float):
            return float(pyo.value(node))
        return function(arg)


_HANDLERS: dict[type, Callable[[ScipExpressionBuilder, Any], Any]] = {
    ne.SumExpression: ScipExpressionBuilder._sum,
    ne.LinearExpression: ScipExpressionBuilder._sum,
    ne.ProductExpression: ScipExpressionBuilder._product,
    ne.MonomialTermExpression: ScipExpressionBuilder._product,
    ne.DivisionExpression: ScipExpressionBuilder._division,
    ne.NegationExpression: ScipExpressionBuilder._negation,
    ne.PowExpression: ScipExpressionBuilder._power,
    ne.AbsExpression: ScipExpressionBuilder._unary,
    ne.UnaryFunctionExpression: ScipExpressionBuilder._unary,
}
