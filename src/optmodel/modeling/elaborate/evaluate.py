"""Evaluating expression trees against concrete data.

One interpreter serves three purposes: constant evaluation (bounds, filters, derived sets), building Pyomo
expressions (the compiler supplies Pyomo variables and functions), and checking a solution (the checker supplies
numbers for the variables). Subclasses override :meth:`Evaluator.variable`, :meth:`Evaluator.call_nonconstant`
and :meth:`Evaluator.add_all`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from optmodel.modeling.elaborate.model_data import (
    EvaluationError,
    Key,
    Member,
    ModelData,
    NamedExpression,
    as_key,
    is_number,
    normalize_member,
)
from optmodel.modeling.elaborate.ordered_sets import set_function
from optmodel.modeling.elaborate.set_families import membership_clause
from optmodel.modeling.language import expressions as ex

# The data types live in model_data; importing them from here keeps working.
__all__ = [
    "EvaluationError",
    "Evaluator",
    "Key",
    "Member",
    "ModelData",
    "NamedExpression",
    "as_key",
    "is_number",
    "normalize_member",
]

_MATH: dict[str, Callable[[Any], Any]] = {
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "abs": abs,
    "sin": math.sin,
    "cos": math.cos,
    "ceil": math.ceil,
    "floor": math.floor,
    "round": round,
}


class Evaluator:
    """Interprets an expression tree. ``env`` binds index names to set members."""

    def __init__(self, data: ModelData, variables: Mapping[str, Any] | None = None) -> None:
        self.data = data
        #: Variable name -> anything describing it (its arity matters for messages only).
        self.variables: Mapping[str, Any] = variables or {}

    # --- hooks ---------------------------------------------------------------------------------
    def variable(self, name: str, key: Key | None) -> Any:
        raise EvaluationError(
            f"'{name}' is a decision variable and cannot be used here",
            "only parameters, sets and index names may appear in bounds, filters and set definitions",
            code="variable-in-constant",
        )

    def call_nonconstant(self, func: str, args: list[Any]) -> Any:
        raise EvaluationError(f"{func}() of a non-constant expression is not supported here")

    def named(self, name: str, key: Key | None) -> Any:
        """The value of named expression ``name`` at ``key`` (None for a scalar one), evaluated in place."""
        expression = self.data.expressions[name]
        if expression.indexed != (key is not None):
            hint = f"write {name}[...]" if expression.indexed else f"write {name} without [...]"
            word = "indexed and needs an index" if expression.indexed else "a scalar"
            raise EvaluationError(f"expression '{name}' is {word}", hint, code="index-arity")
        env = expression.envs.get(key)
        if env is None:
            raise EvaluationError(
                f"expression '{name}' has no entry for {key!r}",
                f"'{name}' is defined for {expression.domain}",
                code="unknown-key",
            )
        return self.eval(expression.tree, env)

    def piecewise(self, name: str, key: Key | None) -> Any:
        """Piecewise function ``name`` at ``key``: interpolated for a number, else the subclass decides."""
        function = self.data.piecewise[name]
        env = function.envs.get(key)
        if env is None or function.indexed != (key is not None):
            raise EvaluationError(
                f"piecewise function '{name}' has no entry for {key!r}",
                f"'{name}' is defined for {function.domain or 'no index'}",
                code="unknown-key",
            )
        x = self.eval(function.of, env)
        if is_number(x):
            return function.at(key, x)
        return self.piecewise_nonconstant(name, key, x)

    def piecewise_nonconstant(self, name: str, key: Key | None, x: Any) -> Any:
        raise EvaluationError(
            f"piecewise function '{name}' of a non-constant argument is not supported here"
        )

    def sum(self, node: ex.Sum, env: Mapping[str, Any]) -> Any:
        """A sum (not min/max ``Over``) of the generators' terms."""
        return self.add_all(self.expand(node.body, node.generators, env))

    def add_all(self, terms: Iterable[Any]) -> Any:
        total: Any = 0
        for term in terms:
            total = self.binary("+", total, term)  # rejects text members as binary() does
        return total

    # --- interpreter ---------------------------------------------------------------------------
    def eval(self, node: ex.Node, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ex.Const):
            return node.value
        if isinstance(node, ex.Name):
            return self.name(node.id, env)
        if isinstance(node, ex.Subscript):
            indices = node.indices
            if len(indices) == 1:  # the common case, without building a tuple
                return self.lookup(node.name, self.eval(indices[0], env), 1)
            key = as_key(tuple(self.eval(i, env) for i in indices))
            return self.lookup(node.name, key, len(indices))
        if isinstance(node, ex.Binary):
            return self.binary(node.op, self.eval(node.left, env), self.eval(node.right, env))
        if isinstance(node, ex.Unary):
            value = self.eval(node.operand, env)
            if isinstance(value, str | tuple):
                raise EvaluationError(f"cannot negate {value!r}: it is not a number")
            return -value if node.op == "-" else value
        if isinstance(node, ex.Call):
            return self.call(node, env)
        if isinstance(node, ex.Over):
            return self.extremum(node, list(self.expand(node.body, node.generators, env)))
        if isinstance(node, ex.Sum):
            return self.sum(node, env)
        if isinstance(node, ex.Compare):
            return self.compare(node, env)
        if isinstance(node, ex.BoolOp):
            if node.op == "and":
                return all(self.truth(v, env) for v in node.values)
            return any(self.truth(v, env) for v in node.values)
        if isinstance(node, ex.Not):
            return not self.truth(node.operand, env)
        if isinstance(node, ex.TupleNode):
            return tuple(self.eval(i, env) for i in node.items)
        if isinstance(node, ex.IfElse):
            return self.eval(node.body if self.truth(node.test, env) else node.orelse, env)
        raise EvaluationError(f"cannot evaluate {ex.to_source(node)}")

    def truth(self, node: ex.Node, env: Mapping[str, Any]) -> bool:
        value = self.eval(node, env)
        if isinstance(value, bool) or is_number(value):
            return bool(value)
        raise EvaluationError(
            f"the condition '{ex.to_source(node)}' must not depend on decision variables",
            "conditions (if/where) may use only parameters and index names",
        )

    def name(self, name: str, env: Mapping[str, Any]) -> Any:
        if name in env:
            return env[name]
        if name in self.data.scalars:
            return self.data.scalars[name]
        if name in self.variables:
            return self.variable(name, None)
        if name in self.data.expressions:
            return self.named(name, None)
        if name in self.data.piecewise:
            return self.piecewise(name, None)
        if name == "inf":
            return math.inf
        if name in self.data.tables:
            raise EvaluationError(
                f"parameter '{name}' is indexed and must be used with an index",
                f"write {name}[{', '.join(self.data.table_index[name]).lower()}]",
                code="index-arity",
            )
        if name in self.data.sets:
            raise EvaluationError(
                f"set '{name}' cannot be used as a value",
                f"iterate over it (sum(... for i in {name})) or use len({name})",
            )
        raise EvaluationError(f"unknown name '{name}'", code="unknown-name")

    def lookup(self, name: str, key: Key, arity: int) -> Any:
        if name in self.data.tables:
            table = self.data.tables[name]
            if key in table:
                return table[key]
            if name in self.data.defaults:
                return self.data.defaults[name]
            raise EvaluationError(
                f"parameter '{name}' has no entry for {key!r}",
                f"add the entry to '{name}' or give it a default",
                code="missing-data",
            )
        if name in self.variables:
            return self.variable(name, key)
        if name in self.data.expressions:
            return self.named(name, key)
        if name in self.data.piecewise:
            return self.piecewise(name, key)
        if name in self.data.scalars:
            raise EvaluationError(
                f"parameter '{name}' is a scalar and cannot be indexed", code="index-arity"
            )
        raise EvaluationError(f"unknown name '{name}'", code="unknown-name")

    def binary(self, op: str, left: Any, right: Any) -> Any:
        if isinstance(left, str | tuple) or isinstance(right, str | tuple):
            # Python would concatenate or repeat ('a' * 3); arithmetic on set members is a mistake.
            member = left if isinstance(left, str | tuple) else right
            raise EvaluationError(
                f"cannot use {member!r} in arithmetic ('{op}'): it is not a number",
                "text and tuple set members can index tables and variables, not take part in arithmetic",
            )
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            if is_number(right) and right == 0:
                raise EvaluationError("division by zero", "check the divisor's data")
            return left / right
        if op == "%":
            if not (is_number(left) and is_number(right)):
                raise EvaluationError(
                    "'%' takes numbers (index arithmetic such as (t + 1) % 7), not decision variables",
                    "model a remainder of variables with an integer variable: x == 7 * q + r",
                )
            if right == 0:
                raise EvaluationError("modulo by zero", "check the divisor's data")
            return left % right
        if is_number(left) and is_number(right):
            try:
                result = float(left) ** right
            except (OverflowError, ZeroDivisionError) as exc:
                raise EvaluationError(f"{left} ** {right}: {exc}") from exc
            if isinstance(result, complex):  # e.g. (-8) ** (1/3) is not a real number
                raise EvaluationError(f"{left} ** {right} is not a real number")
            return result
        return left**right

    def call(self, node: ex.Call, env: Mapping[str, Any]) -> Any:
        if node.func in ex.SET_FUNCTIONS:
            return self.set_function(node, env)
        args = [self.eval(a, env) for a in node.args]
        if all(is_number(a) for a in args):
            try:
                if node.func == "min":
                    return min(args)
                if node.func == "max":
                    return max(args)
                return _MATH[node.func](args[0])
            except (ValueError, OverflowError) as exc:
                raise EvaluationError(f"{ex.to_source(node)}: {exc}") from exc
        return self.call_nonconstant(node.func, args)

    def extremum(self, node: ex.Over, terms: list[Any]) -> Any:
        """The largest (max) or smallest (min) of a generator's terms."""
        if not terms:
            raise EvaluationError(
                f"{ex.to_source(node)} has no terms (its sets or filters leave nothing)",
                "check the sets and the 'if' filter, or use a sum, which is 0 when empty",
            )
        if all(is_number(t) for t in terms):
            return max(terms) if node.func == "max" else min(terms)
        return self.call_nonconstant(node.func, terms)

    def set_function(self, node: ex.Call, env: Mapping[str, Any]) -> Any:
        """len/first/last/ord/prev/next(_cyclic) of a set (see :mod:`~optmodel.modeling.elaborate.ordered_sets`)."""
        *member_args, set_arg = node.args
        member = self.eval(member_args[0], env) if member_args else None
        family = None
        if isinstance(set_arg, ex.Subscript):  # len(NB[i]) and the like: a set family's member
            clause = ex.DomainClause((), set_arg.name, set_arg.indices)
            family = self.clause_members(clause, env)
        return set_function(self.data, node, set_arg, member, family)

    def compare(self, node: ex.Compare, env: Mapping[str, Any]) -> bool:
        left = self.eval(node.operands[0], env)
        for op, right_node in zip(node.ops, node.operands[1:], strict=True):
            if op in ("in", "not in"):
                if isinstance(right_node, ex.Subscript) or (  # j in NB[i]: a set family's member
                    isinstance(right_node, ex.Name) and right_node.id in self.data.families
                ):
                    clause = membership_clause(right_node)
                    assert clause is not None
                    found = left in self.clause_members(clause, env)
                elif isinstance(right_node, ex.Name) and right_node.id in self.data.sets:
                    found = self.data.contains(right_node.id, left)
                else:
                    raise EvaluationError(
                        f"the right side of '{op}' must be a set name", "write (i, j) in PAIRS"
                    )
                if found != (op == "in"):
                    return False
                continue
            right = self.eval(right_node, env)
            if not (_comparable(left) and _comparable(right)):
                raise EvaluationError(
                    f"'{ex.to_source(node)}' compares decision variables inside a condition",
                    "a relation between variables is a constraint, not a filter",
                )
            try:
                holds = _COMPARE[op](left, right)
            except TypeError as exc:  # 'A' < 3: members of different kinds
                raise EvaluationError(
                    f"cannot compare {left!r} with {right!r} in '{ex.to_source(node)}'",
                    "compare text with text and numbers with numbers",
                ) from exc
            if not holds:
                return False
            left = right
        return True

    def expand(
        self, body: ex.Node, generators: tuple[ex.Generator, ...], env: Mapping[str, Any]
    ) -> Iterator[Any]:
        """Evaluate ``body`` for every binding of the generators (a sum's terms)."""
        for binding in self.bindings(generators, [g.conditions for g in generators], env):
            yield self.eval(body, binding)

    def bindings(
        self,
        clauses: Sequence[ex.DomainClause],
        conditions: list[tuple[ex.Node, ...]] | None,
        env: Mapping[str, Any],
    ) -> Iterator[dict[str, Any]]:
        """Every assignment of index names over ``clauses`` (nested loops) satisfying the conditions."""
        conditions = conditions or [() for _ in clauses]

        def rec(depth: int, current: dict[str, Any]) -> Iterator[dict[str, Any]]:
            if depth == len(clauses):
                yield current
                return
            clause = clauses[depth]
            targets, set_name = clause.targets, clause.set_name
            filters = conditions[depth]
            single = targets[0] if len(targets) == 1 else None
            for member in self.candidates(clause, filters, current):
                bound = dict(current)
                if single is not None:
                    bound[single] = member
                else:
                    bound.update(_unpack(targets, member, set_name))
                if not filters or all(self.truth(c, bound) for c in filters):
                    yield from rec(depth + 1, bound)

        yield from rec(0, dict(env))

    def candidates(
        self, clause: ex.DomainClause, filters: tuple[ex.Node, ...], env: Mapping[str, Any]
    ) -> Sequence[Member]:
        """The members a clause ranges over that may pass ``filters`` (all of them here; a subclass may leave
        out members that the first filter certainly rejects, without effects: the filters still run)."""
        return self.clause_members(clause, env)

    def clause_members(self, clause: ex.DomainClause, env: Mapping[str, Any]) -> list[Member]:
        """The members a clause ranges over: a set's, or a set family's at its evaluated index."""
        name = clause.set_name
        if name not in self.data.sets:
            raise EvaluationError(f"unknown set '{name}'", code="unknown-name")
        if clause.set_index:
            key = as_key(tuple(self.eval(i, env) for i in clause.set_index))
            return self.data.family_members(name, key)
        if name in self.data.families:
            raise EvaluationError(
                f"set family '{name}' needs an index", f"write j in {name}[i]", code="index-arity"
            )
        return self.data.sets[name]


def _unpack(targets: tuple[str, ...], member: Member, set_name: str) -> dict[str, Any]:
    if len(targets) == 1:
        return {targets[0]: member}
    if not isinstance(member, tuple) or len(member) != len(targets):
        size = len(member) if isinstance(member, tuple) else 1
        raise EvaluationError(
            f"cannot unpack members of '{set_name}' (size {size}) into {len(targets)} names",
            f"members of {set_name} have {size} component(s)",
            code="index-arity",
        )
    return dict(zip(targets, member, strict=True))


def _comparable(value: Any) -> bool:
    return is_number(value) or isinstance(value, str | tuple)


_COMPARE = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
