"""Logical constraints into Pyomo's GDP: disjuncts, disjunctions, ``atleast``; then bigm/hull.

The big-M values are Pyomo's, computed from the variables' bounds (``gdp.bigm``), or the hull
reformulation is used (``gdp.hull``); a variable without finite bounds in a relation is a CompileError
naming it, so no M is ever guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables
from pyomo.gdp import Disjunct, Disjunction, GDP_Error

from optmodel.errors import CompileError
from optmodel.modeling.elaborate.logic import TRANSFORMATIONS, LogicInstances
from optmodel.modeling.language import expressions as ex
from optmodel.symbols import Symbol, format_symbol


class _Compiler(Protocol):
    model: pyo.ConcreteModel
    var_symbols: Mapping[Any, Symbol]

    def evaluate(self, node: ex.Node, env: dict[str, Any], path: str, at: str) -> Any: ...

    def relation_rows(
        self, relation: ex.Compare, env: dict[str, Any], path: str, at: str
    ) -> list[Any]: ...


def add_logic(compiler: _Compiler, inst: LogicInstances, py_name: str) -> pyo.Block:
    """One Pyomo Block holding the disjuncts and disjunctions of every instance of ``inst``."""
    block = pyo.Block()
    compiler.model.add_component(py_name, block)
    path = f"logic.{inst.name}"
    for number, (key, env) in enumerate(inst.bindings):
        at = "" if key is None else f"at {key!r}: "
        alternatives = [
            compiler.relation_rows(relation, env, f"{path}.{field}", at)
            for relation, field in zip(inst.relations, _fields(inst), strict=True)
        ]
        for rows in alternatives:
            _require_bounds(compiler, rows, path, at)
        if inst.condition is not None:
            _implication(compiler, block, number, inst, env, alternatives, path, at)
        else:
            _disjunction(block, number, inst, alternatives)
    return block


def transform(model: pyo.ConcreteModel, blocks: Mapping[str, tuple[pyo.Block, str]]) -> None:
    """Apply ``atleast`` -> linear, then each block's GDP transformation (hull blocks first)."""
    if any(True for _ in model.component_data_objects(pyo.LogicalConstraint, active=True)):
        pyo.TransformationFactory("core.logical_to_linear").apply_to(model)
    for method in ("hull", "bigm"):
        chosen = {name: block for name, (block, way) in blocks.items() if way == method}
        if not chosen:
            continue
        try:
            transformation = pyo.TransformationFactory(TRANSFORMATIONS[method])
            transformation.apply_to(model, targets=list(chosen.values()))
        except (GDP_Error, ValueError) as error:
            raise CompileError(
                f"Pyomo's {TRANSFORMATIONS[method]} could not reformulate the logic: {error}",
                path=f"logic.{next(iter(chosen))}" if len(chosen) == 1 else "logic",
                hint="give every variable in the relations finite bounds",
            ) from error


def _fields(inst: LogicInstances) -> list[str]:
    if inst.condition is None:
        return [f"either[{k}]" for k in range(len(inst.relations))]
    return ["then", "else"][: len(inst.relations)]


def _implication(
    compiler: _Compiler,
    block: pyo.Block,
    number: int,
    inst: LogicInstances,
    env: dict[str, Any],
    alternatives: list[list[Any]],
    path: str,
    at: str,
) -> None:
    assert inst.condition is not None
    # Each literal as an expression that is 1 when it holds: b for 'b', 1 - b for 'not b'.
    truths: list[Any] = []
    for literal in inst.condition.literals:
        flag = compiler.evaluate(literal.reference, env, f"{path}.if", at)
        if not _is_binary(flag):
            raise CompileError(
                f"{at}'if' must name binary variables, not '{ex.to_source(literal.reference)}'",
                path=f"{path}.if",
                hint='declare the variable with "type": "binary"; filter on data with \'where\'',
            )
        truths.append(flag if literal.value == 1 else 1 - flag)
    on, off = Disjunct(), Disjunct()
    block.add_component(f"if_{number}", on)
    block.add_component(f"otherwise_{number}", off)
    # 'on' when every literal holds, 'otherwise' when one fails: exactly one of the two can be chosen.
    on.flag = pyo.Constraint(range(len(truths)), rule=lambda _, k: truths[k] == 1)
    off.flag = pyo.Constraint(expr=sum(truths) <= len(truths) - 1)
    _add_rows(on, alternatives[0])
    if inst.has_else:
        _add_rows(off, alternatives[1])
    block.add_component(f"choice_{number}", Disjunction(expr=[on, off]))


def _disjunction(
    block: pyo.Block, number: int, inst: LogicInstances, alternatives: list[list[Any]]
) -> None:
    disjuncts = []
    for k, rows in enumerate(alternatives):
        disjunct = Disjunct()
        block.add_component(f"either_{number}_{k}", disjunct)
        _add_rows(disjunct, rows)
        disjuncts.append(disjunct)
    if inst.at_least == 1:
        # Exactly one alternative is *enforced*; the others may hold too, so this is "at least one".
        block.add_component(f"choice_{number}", Disjunction(expr=disjuncts))
        return
    for k, disjunct in enumerate(disjuncts):
        skip = Disjunct()
        block.add_component(f"skip_{number}_{k}", skip)
        block.add_component(f"choice_{number}_{k}", Disjunction(expr=[disjunct, skip]))
    indicators = [d.indicator_var for d in disjuncts]
    block.add_component(
        f"at_least_{number}", pyo.LogicalConstraint(expr=pyo.atleast(inst.at_least, indicators))
    )


def _add_rows(disjunct: Disjunct, rows: list[Any]) -> None:
    if rows:
        disjunct.rows = pyo.Constraint(range(len(rows)), rule=lambda _, k: rows[k])


def _is_binary(value: Any) -> bool:
    is_variable = getattr(value, "is_variable_type", None)
    return callable(is_variable) and bool(is_variable()) and bool(value.is_binary())


def _require_bounds(compiler: _Compiler, rows: list[Any], path: str, at: str) -> None:
    """Big-M and hull both need finite bounds on every variable a relation uses."""
    for row in rows:
        for var in identify_variables(row):
            if var.lb is None or var.ub is None:
                symbol = compiler.var_symbols.get(var)
                shown = format_symbol(symbol) if symbol else var.name
                side = "lower" if var.lb is None else "upper"
                raise CompileError(
                    f"{at}{shown} has no {side} bound, so the logical constraint cannot be "
                    "reformulated (big-M and hull both need finite bounds)",
                    path=path,
                    hint=f"give '{symbol[0] if symbol else var.name}' a finite "
                    f'"{"lb" if side == "lower" else "ub"}" (a true limit from the problem)',
                )
