"""Static checks of named definitions over the variables: named expressions and piecewise functions."""

from __future__ import annotations

from typing import Any

from optmodel.modeling.checks.context import (
    Declarations,
    IssueLog,
    parse_domain_or_report,
    parse_or_report,
)
from optmodel.modeling.checks.data import BINDINGS_PER_ELEMENT, DATA_FAILURES, Probe
from optmodel.modeling.checks.expressions import ExpressionChecker
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode


def check_named_expression(decl: Declarations, name: str, log: IssueLog) -> None:
    """A named expression's index and body (a value over variables, parameters and its index names)."""
    definition = decl.formulation.expressions[name]
    path = f"expressions.{name}"
    scope = _index_scope(decl, definition.index, path, log)
    if log.has_error(f"{path}.index"):
        decl.broken.add(name)
    node = parse_or_report(definition.expression, f"{path}.expression", log)
    if node is None:
        decl.broken.add(name)
        return
    if isinstance(node, ex.Compare | ex.BoolOp | ex.Not):
        log.add(
            f"{path}.expression",
            IssueCode.TYPE_MISMATCH,
            f"the named expression '{name}' is a condition, not a value",
            "write the quantity only; put relations under 'constraints'",
        )
        return
    ExpressionChecker(decl, log, f"{path}.expression").value(node, scope)
    if name not in decl.data.expressions or log.has_error(path):
        decl.broken.add(name)  # its uses are not checked again


def check_named_with_data(probe: Probe, name: str, log: IssueLog) -> None:
    """Evaluate a named expression at every index it is defined for; warn at its text about a sum
    without terms at all of them (a sum empty at some indices only is fine)."""
    if name in probe.decl.broken or name not in probe.data.expressions:
        return
    expression = probe.data.expressions[name]
    if len(expression.envs) > BINDINGS_PER_ELEMENT:
        return
    probe.sum_stats = {}
    for env in expression.envs.values():
        try:
            probe.eval(expression.tree, env)
        except DATA_FAILURES:
            return  # reported where the expression is used, at the index that fails
    probe.report_empty_sums(f"expressions.{name}.expression", log)


def check_piecewise(decl: Declarations, name: str, log: IssueLog) -> None:
    """A piecewise function's index and argument (its breakpoints are checked with the data)."""
    definition = decl.formulation.piecewise[name]
    path = f"piecewise.{name}"
    scope = _index_scope(decl, definition.index, path, log)
    node = parse_or_report(definition.of, f"{path}.of", log)
    if node is not None:
        ExpressionChecker(decl, log, f"{path}.of").value(node, scope)
    if name not in decl.data.piecewise or log.has_error(path):
        decl.broken.add(name)  # its uses are not checked again


def _index_scope(decl: Declarations, index: str, path: str, log: IssueLog) -> dict[str, Any]:
    """The names an ``index`` clause binds (checked and reported at ``path.index``); {} without one."""
    if not index.strip():
        return {}
    clauses = parse_domain_or_report(index, f"{path}.index", log)
    if clauses is None:
        return {}
    return ExpressionChecker(decl, log, f"{path}.index").domain(clauses, {})
