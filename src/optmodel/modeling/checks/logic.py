"""Static checks of logical constraints (part of :mod:`optmodel.modeling.checks.validate`).

Besides names, kinds and relation forms: the ``if`` of an implication names binary variables, and every
variable in a relation has finite bounds, since the big-M (or hull) reformulation is computed from them.
"""

from __future__ import annotations

from typing import Any

from optmodel.errors import ExpressionError
from optmodel.modeling.checks.context import (
    Declarations,
    IssueLog,
    parse_domain_or_report,
    parse_or_report,
)
from optmodel.modeling.checks.expressions import ExpressionChecker
from optmodel.modeling.checks.relations import operands, relation_or_report
from optmodel.modeling.elaborate.logic import logic_shape_problem, parse_condition
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode


def check_logic(decl: Declarations, name: str, log: IssueLog, used: set[str]) -> None:
    """One logical constraint: its shape, domain, condition and relations, and the bounds they need."""
    ldef = decl.formulation.logic[name]
    path = f"logic.{name}"
    problem = logic_shape_problem(ldef)
    if problem:
        log.add(path, IssueCode.SCHEMA, problem, _SHAPES)
        return
    scope: dict[str, Any] = {}
    if ldef.forall is not None:
        clauses = parse_domain_or_report(ldef.forall, f"{path}.forall", log)
        if clauses is not None:
            scope = ExpressionChecker(decl, log, f"{path}.forall").domain(clauses, {})
    if ldef.where is not None:
        node = parse_or_report(ldef.where, f"{path}.where", log)
        if node is not None:
            ExpressionChecker(decl, log, f"{path}.where").condition(node, scope)
    if ldef.if_ is not None:
        _check_condition(decl, ldef.if_, f"{path}.if", scope, log, used)
    parts = (
        [(f"{path}.either[{k}]", text) for k, text in enumerate(ldef.either)]
        if ldef.either is not None
        else [(f"{path}.then", ldef.then or "")]
        + ([(f"{path}.else", ldef.else_)] if ldef.else_ else [])
    )
    needs_bounds: set[str] = set()
    for part_path, text in parts:
        node = parse_or_report(text, part_path, log)
        if node is None:
            continue
        relation_or_report(node, part_path, log)
        checker = ExpressionChecker(decl, log, part_path)
        for operand in operands(node):
            checker.value(operand, scope)
        used |= checker.variables_used
        needs_bounds |= checker.variables_used
    for variable in sorted(needs_bounds):
        _check_bounds(decl, name, variable, log)


_SHAPES = (
    'write {"if": "b[i]", "then": "x[i] <= cap[i]"} (optionally "else") or '
    '{"either": ["REL1", "REL2"], "at_least": 1}'
)


def _check_condition(
    decl: Declarations, text: str, path: str, scope: dict[str, Any], log: IssueLog, used: set[str]
) -> None:
    try:
        condition = parse_condition(text)
    except ExpressionError as error:
        log.add(path, IssueCode.TYPE_MISMATCH, str(error), error.hint)
        return
    checker = ExpressionChecker(decl, log, path)
    for literal in condition.literals:
        checker.value(literal.reference, scope)
        reference = literal.reference
        name = reference.id if isinstance(reference, ex.Name) else reference.name
        variable = decl.formulation.variables.get(name)
        if decl.kind(name) is not None and (variable is None or variable.type != "binary"):
            log.add(
                path,
                IssueCode.TYPE_MISMATCH,
                f"'if' must name binary variables; '{name}' is not one",
                "declare a binary variable for the choice; conditions on data belong in 'where'",
            )
    used |= checker.variables_used


def _check_bounds(decl: Declarations, name: str, variable: str, log: IssueLog) -> None:
    var = decl.formulation.variables[variable]
    if var.type == "binary":
        return
    missing = [side for side in ("lb", "ub") if getattr(var, side) is None]
    if missing:
        log.add(
            f"logic.{name}",
            IssueCode.MISSING_BOUND,
            f"variable '{variable}' has no {' and no '.join(missing)}, which the logical constraint "
            f"'{name}' needs (its big-M or hull reformulation is computed from the bounds)",
            f"give '{variable}' a finite \"{missing[0]}\": a true limit from the problem's data",
        )
