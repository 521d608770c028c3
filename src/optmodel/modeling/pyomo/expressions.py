"""Evaluating expression trees into Pyomo expressions over a model's variables.

:class:`PyomoExpressionBuilder` is the plain interpreter with Pyomo variables and functions plugged in.
:class:`SignAwareBuilder` also tracks where ``abs``/``min``/``max`` sit, so
:class:`~optmodel.modeling.pyomo.nonsmooth.NonsmoothModeller` can use a cheap bound where that is exact.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import pyomo.environ as pyo

from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    is_number,
)
from optmodel.modeling.elaborate.variables import VariableInstances, missing_key_message
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.pyomo.nonsmooth import NonsmoothModeller

_PYOMO_FUNCTIONS = {
    "exp": pyo.exp,
    "log": pyo.log,
    "log10": pyo.log10,
    "sqrt": pyo.sqrt,
    "sin": pyo.sin,
    "cos": pyo.cos,
}
#: Functions that never decrease as their argument grows: a bound on abs/max inside them stays exact.
_INCREASING = frozenset({"exp", "log", "log10", "sqrt"})
_NONSMOOTH = frozenset({"abs", "min", "max"})


# Keyed by id (hashing a frozen tree is recursive); the node is kept so a reused id cannot match.
_NONSMOOTH_CACHE: dict[int, tuple[ex.Node, bool]] = {}


def sign_matters(node: ex.Node, piecewise: Collection[str]) -> bool:
    """abs/min/max or a piecewise function in ``node``: where each sits decides how it is modelled."""
    if has_nonsmooth(node):
        return True
    return bool(piecewise) and any(
        (isinstance(n, ex.Name) and n.id in piecewise)
        or (isinstance(n, ex.Subscript) and n.name in piecewise)
        for n in ex.walk(node)
    )


def has_nonsmooth(node: ex.Node) -> bool:
    """True when ``node`` calls abs/min/max anywhere (then the sign of each position matters)."""
    entry = _NONSMOOTH_CACHE.get(id(node))
    if entry is not None and entry[0] is node:
        return entry[1]
    found = any(
        isinstance(n, ex.Over) or (isinstance(n, ex.Call) and n.func in _NONSMOOTH)
        for n in ex.walk(node)
    )
    if len(_NONSMOOTH_CACHE) > 65536:
        _NONSMOOTH_CACHE.clear()
    _NONSMOOTH_CACHE[id(node)] = (node, found)
    return found


class PyomoExpressionBuilder(Evaluator):
    """Evaluates expression trees into Pyomo expressions over the model's variables."""

    def __init__(
        self,
        data: ModelData,
        vardata: dict[str, Any],
        instances: Mapping[str, VariableInstances],
        modeller: NonsmoothModeller,
    ) -> None:
        super().__init__(data)
        # Filled in as variables are added (the base class would replace an empty mapping with its own).
        self.variables = self.vardata = vardata
        self.instances = instances
        self.modeller = modeller
        self.sign = 0
        #: Named expression -> its Pyomo ``Expression`` (indexed: a dict by key), once the compiler built it.
        self.named_components: dict[str, Any] = {}
        #: (piecewise function, key, bound) -> the variable holding its value (shared by both builders).
        self.piecewise_vars: dict[tuple[str, Key | None, str], Any] = {}

    def evaluate(self, node: ex.Node, env: Mapping[str, Any], sign: int = 0) -> Any:
        """Evaluate ``node``; ``sign`` > 0 where a larger value is worse, < 0 where smaller is, else 0."""
        saved, self.sign = self.sign, sign
        try:
            return self.eval(node, env)
        finally:
            self.sign = saved

    def variable(self, name: str, key: Key | None) -> Any:
        entry = self.vardata[name]
        if isinstance(entry, dict) and key is not None:
            found = entry.get(key)
            if found is not None:
                return found
        elif not isinstance(entry, dict) and key is None:
            return entry
        message, hint = missing_key_message(self.instances[name], key)
        raise EvaluationError(message, hint, code="unknown-key")

    def named(self, name: str, key: Key | None) -> Any:
        component = self.named_components.get(name)
        if component is not None:
            found = component.get(key) if isinstance(component, dict) else component
            if found is not None and (key is None) != isinstance(component, dict):
                return found
        # Not built yet, or a key it lacks (the base class explains): evaluated in place, exactly.
        saved, self.sign = self.sign, 0
        try:
            return super().named(name, key)
        finally:
            self.sign = saved

    def piecewise_nonconstant(self, name: str, key: Key | None, x: Any) -> Any:
        return self.piecewise_variable(name, key, x, 0)

    def piecewise_variable(self, name: str, key: Key | None, x: Any, sign: int) -> Any:
        """A variable tied to ``x`` by Pyomo's ``Piecewise``.

        Exact anywhere in the binary incremental form; where the context only pushes it one way (``sign``)
        and the function curves that way too (convex where larger is worse, concave where smaller is), a
        bound suffices, and Pyomo builds that as one linear row per segment, without integer variables.
        """
        function = self.data.piecewise[name]
        curvature = function.curvature(key)
        bound = "EQ"
        if sign > 0 and curvature > 0:
            bound = "LB"  # y >= f(x): the epigraph of a convex f
        elif sign < 0 and curvature < 0:
            bound = "UB"  # y <= f(x): the hypograph of a concave f
        cached = self.piecewise_vars.get((name, key, bound))
        if cached is not None:
            return cached
        points, values = function.points[key], function.values[key]
        model = self.modeller.model
        block = pyo.Block()
        model.add_component(f"_piecewise_{len(self.piecewise_vars)}", block)
        block.x = pyo.Var(bounds=(points[0], points[-1]))
        block.y = pyo.Var(bounds=(min(values), max(values)))
        block.link = pyo.Constraint(expr=block.x == x)
        block.curve = pyo.Piecewise(
            block.y, block.x, pw_pts=points, f_rule=values, pw_constr_type=bound, pw_repn="INC"
        )
        self.piecewise_vars[(name, key, bound)] = block.y
        return block.y

    def add_all(self, terms: Iterable[Any]) -> Any:
        return pyo.quicksum(terms)

    def call_nonconstant(self, func: str, args: list[Any]) -> Any:
        if func in _PYOMO_FUNCTIONS:
            return _PYOMO_FUNCTIONS[func](args[0])
        if func in _NONSMOOTH:
            return self.modeller.apply(func, args, 0, f"{func}(...)")
        raise EvaluationError(
            f"{func}() of an expression with variables cannot be modelled",
            "use an integer variable instead of rounding, e.g. y integer with y >= e"
            if func in ("ceil", "floor", "round")
            else "",
            code="unsupported",
        )


class SignAwareBuilder(PyomoExpressionBuilder):
    """Also tracks where abs/min/max sit: ``sign`` > 0 where a larger value is worse, < 0 where smaller is.

    Sums and positive multiples keep the sign, negation and negative multiples flip it, and anything that is
    not monotone (a product of two expressions, sin, a power) makes it 0, i.e. an exact model is needed.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._piecewise_signs: list[int] = []  # the context of each piecewise function being built

    def piecewise(self, name: str, key: Key | None) -> Any:
        # The argument is tied by an equation, so it is built exactly; the context is the function's.
        self._piecewise_signs.append(self.sign)
        self.sign = 0
        try:
            return super().piecewise(name, key)
        finally:
            self.sign = self._piecewise_signs.pop()

    def piecewise_nonconstant(self, name: str, key: Key | None, x: Any) -> Any:
        return self.piecewise_variable(name, key, x, self._piecewise_signs[-1])

    def eval(self, node: ex.Node, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ex.Over):
            sign = self.sign
            keeps = (node.func == "max" and sign > 0) or (node.func == "min" and sign < 0)
            saved, self.sign = self.sign, sign if keeps else 0
            try:
                terms = list(self.expand(node.body, node.generators, env))
            finally:
                self.sign = saved
            if not terms or all(is_number(t) for t in terms):
                return self.extremum(node, terms)
            return self.modeller.apply(node.func, terms, sign, ex.to_source(node))
        if isinstance(node, ex.Unary) and node.op == "-":
            return -self.evaluate(node.operand, env, -self.sign)
        if isinstance(node, ex.Binary) and node.op != "+":
            return self._binary(node, env)
        return super().eval(node, env)

    def _binary(self, node: ex.Binary, env: Mapping[str, Any]) -> Any:
        op, sign = node.op, self.sign
        if op == "-":
            return self.binary(op, self.eval(node.left, env), self.evaluate(node.right, env, -sign))
        if op == "**":
            left = self.evaluate(node.left, env, 0)
            return self.binary(op, left, self.evaluate(node.right, env, 0))
        # '*' and '/': a constant factor keeps or flips the sign; evaluate that side first.
        pieces = self.data.piecewise
        if op == "*" and sign_matters(node.left, pieces) and not sign_matters(node.right, pieces):
            right = self.evaluate(node.right, env, 0)
            return self.binary(op, self.evaluate(node.left, env, sign * _direction(right)), right)
        if op == "/":
            right = self.evaluate(node.right, env, 0)
            return self.binary(op, self.evaluate(node.left, env, sign * _direction(right)), right)
        left = self.evaluate(node.left, env, 0)
        return self.binary(op, left, self.evaluate(node.right, env, sign * _direction(left)))

    def call(self, node: ex.Call, env: Mapping[str, Any]) -> Any:
        func, sign = node.func, self.sign
        if func in _NONSMOOTH:
            keeps = (func == "max" and sign > 0) or (func == "min" and sign < 0)
            args = [self.evaluate(a, env, sign if keeps else 0) for a in node.args]
            if all(is_number(a) for a in args):
                return (
                    abs(args[0]) if func == "abs" else (max(args) if func == "max" else min(args))
                )
            return self.modeller.apply(func, args, sign, ex.to_source(node))
        if func in _INCREASING:
            return super().call(node, env)
        saved, self.sign = self.sign, 0
        try:
            return super().call(node, env)
        finally:
            self.sign = saved


def _direction(factor: Any) -> int:
    """How multiplying by ``factor`` changes the sign context (0: unknown, the factor has variables)."""
    if not is_number(factor):
        return 0
    return -1 if factor < 0 else 1
