"""Logical constraints (``"logic"``): implications and at-least-k disjunctions, expanded over their index.

Shared by the compiler (:mod:`~optmodel.modeling.pyomo.logic`, through Pyomo's GDP) and the solution
checker, so both read the same relations at the same bindings (expanded once per resolved model). No Pyomo
here.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from optmodel.errors import CompileError, ExpressionError
from optmodel.modeling.elaborate.instances import as_relation, domain_bindings
from optmodel.modeling.elaborate.model_data import Key, ModelData
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import LogicDef

#: Pyomo's GDP transformations by the name a Formulation uses.
TRANSFORMATIONS = {"bigm": "gdp.bigm", "hull": "gdp.hull"}


@dataclass(frozen=True)
class BinaryLiteral:
    """One binary variable reference of an ``if`` and the value that makes it true."""

    reference: ex.Name | ex.Subscript
    value: Literal[0, 1]


@dataclass(frozen=True)
class Condition:
    """``if`` of an implication: true when every one of its literals is (``b[i] and not c[i]``)."""

    literals: tuple[BinaryLiteral, ...]

    def holds(self, values: list[float]) -> bool:
        """Whether the condition is true at these values of the literals' variables."""
        return all(
            round(value) == literal.value
            for value, literal in zip(values, self.literals, strict=True)
        )


@dataclass(frozen=True)
class LogicInstances:
    """A logical constraint's parts and the index bindings it is stated for (``[(None, {})]``: scalar).

    For an implication ``relations`` is (then,) or (then, else); for a disjunction, the alternatives of
    which at least ``at_least`` hold.
    """

    name: str
    condition: Condition | None
    relations: tuple[ex.Compare, ...]
    at_least: int
    method: Literal["bigm", "hull"]
    indexed: bool
    dimen: int
    bindings: tuple[tuple[Key, dict[str, Any]], ...]

    @property
    def has_else(self) -> bool:
        return self.condition is not None and len(self.relations) == 2


def logic_shape_problem(ldef: LogicDef) -> str:
    """Why the fields of a logical constraint do not fit together ('' when they do)."""
    if ldef.either is not None and (ldef.if_ or ldef.then or ldef.else_):
        return "give either 'if'/'then' (an implication) or 'either' (a disjunction), not both"
    if ldef.either is not None:
        if len(ldef.either) < 2:
            return "'either' lists two or more relations"
        if ldef.at_least > len(ldef.either):
            return f"'at_least' is {ldef.at_least} but 'either' lists {len(ldef.either)} relations"
        return ""
    if not (ldef.if_ and ldef.then):
        return "an implication needs 'if' (a binary variable) and 'then' (a relation)"
    if ldef.at_least != 1:
        return "'at_least' belongs to 'either'"
    return ""


def parse_condition(text: str) -> Condition:
    """``b[i]``, ``b[i] == 1``, ``b[i] == 0``, ``not b[i]``, or several joined by ``and``; raises
    ExpressionError otherwise."""
    node = ex.parse(text)
    parts = node.values if isinstance(node, ex.BoolOp) and node.op == "and" else (node,)
    return Condition(tuple(_literal(part, text) for part in parts))


def _literal(node: ex.Node, text: str) -> BinaryLiteral:
    value: Literal[0, 1] = 1
    if isinstance(node, ex.Not):
        node, value = node.operand, 0
    elif (
        isinstance(node, ex.Compare)
        and node.ops == ("==",)
        and isinstance(node.operands[1], ex.Const)
        and node.operands[1].value in (0, 1)
    ):
        value = 1 if node.operands[1].value == 1 else 0
        node = node.operands[0]
    if not isinstance(node, ex.Name | ex.Subscript):
        raise ExpressionError(
            "'if' names binary variables, joined by 'and'",
            expression=text,
            hint="write e.g. 'open[i]', 'open[i] == 0', 'not open[i]' or 'at[f, g] and at[e, g]'; "
            "filter on data with 'where'",
        )
    return BinaryLiteral(node, value)


def logic_instances(
    name: str, ldef: LogicDef, data: ModelData, variables: Collection[str]
) -> LogicInstances:
    """Parse logical constraint ``name`` and list its bindings, expanded once per ``data``; raises
    CompileError with the field's path."""
    definition = f"{ldef!r} over {tuple(variables)!r}"
    return data.expansions.once(
        "logic", name, definition, lambda: _expand_logic(name, ldef, data, variables)
    )


def _expand_logic(
    name: str, ldef: LogicDef, data: ModelData, variables: Collection[str]
) -> LogicInstances:
    path = f"logic.{name}"
    problem = logic_shape_problem(ldef)
    if problem:
        raise CompileError(problem, path=path)
    condition = None
    texts: list[tuple[str, str]]
    if ldef.either is not None:
        texts = [(f"{path}.either[{k}]", text) for k, text in enumerate(ldef.either)]
    else:
        assert ldef.if_ is not None and ldef.then is not None
        try:
            condition = parse_condition(ldef.if_)
        except ExpressionError as error:
            raise CompileError(str(error), path=f"{path}.if", hint=error.hint) from error
        texts = [(f"{path}.then", ldef.then)]
        if ldef.else_:
            texts.append((f"{path}.else", ldef.else_))
    relations = []
    for field_path, text in texts:
        try:
            relations.append(as_relation(ex.parse(text), field_path))
        except ExpressionError as error:
            raise CompileError(str(error), path=field_path, hint=error.hint) from error
    bindings, indexed, dimen = domain_bindings(name, path, ldef.forall, ldef.where, data, variables)
    return LogicInstances(
        name, condition, tuple(relations), ldef.at_least, ldef.method, indexed, dimen, bindings
    )


def logic_violation(amounts: list[float], flags: list[float], inst: LogicInstances) -> float:
    """How far one instance is from holding, given each relation's violation (0: holds) and the values
    of the condition's variables.

    An implication is judged on 'then' when its condition is true at the solution, on 'else' (if any)
    otherwise; a disjunction by its ``at_least``-th best relation.
    """
    if inst.condition is None:
        return sorted(amounts)[inst.at_least - 1]
    if any(math.isnan(flag) for flag in flags):
        return math.inf
    if inst.condition.holds(flags):
        return amounts[0]
    return amounts[1] if inst.has_else else 0.0
