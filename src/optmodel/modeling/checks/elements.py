"""Static checks of each element of a Formulation (part of :mod:`optmodel.modeling.checks.validate`).

Each ``check_*`` function reports into an :class:`IssueLog` and returns what the data-driven checks need
(parsed expressions) when the element is sound enough to evaluate, else None.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from optmodel.modeling.checks.bounds import CheckedVariable, bound_problems
from optmodel.modeling.checks.context import (
    Declarations,
    IssueLog,
    check_element_name,
    parse_domain_or_report,
    parse_or_report,
)
from optmodel.modeling.checks.data import CheckedConstraint
from optmodel.modeling.checks.expressions import ExpressionChecker
from optmodel.modeling.checks.families import family_scope
from optmodel.modeling.checks.relations import operands, relation_or_report
from optmodel.modeling.elaborate.definition_uses import parameter_uses, set_uses
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import (
    Formulation,
    domain_in_list,
    is_domain,
    table_without_index,
)
from optmodel.modeling.language.issues import Issue, IssueCode, Severity

_BOUND_ADVICE = (
    "'{name}' is not bound here: write the variable's index as a domain, "
    '"index": "{name} in {set}", so its bounds can use \'{name}\''
)


def check_names(formulation: Formulation, log: IssueLog) -> None:
    """Names usable in expressions, and no name declared twice across sets, parameters, variables."""
    seen: dict[str, str] = {}
    normalized: dict[str, str] = {}  # NFKC form -> the first name written that way
    sections = (
        ("sets", "set"),
        ("parameters", "parameter"),
        ("variables", "variable"),
        ("expressions", "expression"),
        ("piecewise", "piecewise function"),
    )
    for section, word in sections:
        for name in getattr(formulation, section):
            path = f"{section}.{name}"
            check_element_name(name, path, log)
            form = unicodedata.normalize("NFKC", name)
            if form in normalized and normalized[form] != name:
                log.add(
                    path,
                    IssueCode.DUPLICATE_NAME,
                    f"'{name}' and '{normalized[form]}' are the same name to the expression parser "
                    f"(both read as '{form}')",
                    "give them names that differ in plain letters",
                )
            normalized.setdefault(form, name)
            if name in seen:
                log.add(
                    path,
                    IssueCode.DUPLICATE_NAME,
                    f"'{name}' is declared both as a {seen[name]} and as a {word}",
                    f"give each set, parameter and variable its own name, e.g. rename this one to '{name}_{word[:3]}'",
                )
            else:
                seen[name] = word


def check_set(decl: Declarations, name: str, position: int, log: IssueLog) -> None:
    """A set's range ends, domain and filter: names, kinds, and only sets defined before it."""
    set_def = decl.formulation.sets[name]
    path = f"sets.{name}"
    for end in set_def.range or []:
        if (
            isinstance(end, str)
            and (node := parse_or_report(end, f"{path}.range", log)) is not None
        ):
            checker = ExpressionChecker(decl, log, f"{path}.range", set_limit=position)
            checker.value(node, {}, "a set definition")
    scope: dict[str, Any] = {}
    if set_def.from_ is not None:
        clauses = parse_domain_or_report(set_def.from_, f"{path}.from", log)
        if clauses is not None:
            checker = ExpressionChecker(decl, log, f"{path}.from", set_limit=position)
            scope = checker.domain(clauses, family_scope(decl, name))
    if set_def.where is not None and set_def.from_ is not None:
        node = parse_or_report(set_def.where, f"{path}.where", log)
        if node is not None:
            ExpressionChecker(decl, log, f"{path}.where", set_limit=position).condition(node, scope)
    if name in decl.data.sets and not decl.data.sets[name]:
        log.add(
            path,
            IssueCode.MISSING_DATA,
            f"set '{name}' has no members",
            "sums over it are empty and constraints over it vanish; check its definition",
            Severity.WARNING,
        )


def check_parameter(decl: Declarations, name: str, log: IssueLog) -> None:
    """A parameter's index names declared sets; a computed one's expression reads no variables.

    Its data is checked by resolve_data.
    """
    param = decl.formulation.parameters[name]
    path = f"parameters.{name}.index"
    checker = ExpressionChecker(decl, log, path)
    scope: dict[str, Any] = {}
    if isinstance(param.index, str) and " in " in f" {param.index} ":
        clauses = parse_domain_or_report(param.index, path, log)
        if clauses is not None:
            scope = checker.domain(clauses, {})
    else:
        for set_name in param.index_sets:
            checker.set_ref(set_name, {})
    if param.expression is not None and param.index and not isinstance(param.index, str):
        sets = param.index
        log.add(
            path,
            IssueCode.SCHEMA,
            f"computed parameter '{name}' needs its index as a domain, so the expression can name the index",
            f'write "index": "{", ".join(f"{n} in {s}" for n, s in zip("ijklmn", sets, strict=False))}"',
        )
    elif param.expression is not None:
        expression_path = f"parameters.{name}.expression"
        node = parse_or_report(param.expression, expression_path, log)
        if node is not None:
            ExpressionChecker(decl, log, expression_path).value(node, scope, "a computed parameter")
    if log.has_error(path):
        decl.broken.add(name)


def merge_data_issues(decl: Declarations, data_issues: list[Issue], log: IssueLog) -> None:
    """Add resolve_data's issues, except echoes of problems already reported upstream."""
    f = decl.formulation
    elements = [("sets", n) for n in f.sets] + [("parameters", n) for n in f.parameters]
    by_element: dict[tuple[str, str], list[Issue]] = {}
    for issue in data_issues:
        owner = max(
            (
                e
                for e in elements
                if issue.path == ".".join(e) or issue.path.startswith(".".join(e) + ".")
            ),
            key=lambda e: len(e[1]),
            default=None,
        )
        if owner is None:
            log.add(issue.path, issue.code, issue.message, issue.hint, issue.severity)
        else:
            by_element.setdefault(owner, []).append(issue)
    # An element is tainted by its own errors or by what it reads, whatever the declaration order (a set
    # family declared before the table it filters on); the issues of an element that reads a tainted one
    # are consequences (e.g. "unknown name" for an ambiguous table) and are left out.
    references = {e: _references(decl, *e) - {e[1]} for e in elements}
    for section, name in elements:
        path = f"{section}.{name}"
        issues = by_element.get((section, name), [])
        if log.has_error(path) or any(i.severity is Severity.ERROR for i in issues):
            decl.tainted.add(name)
    echoes: set[tuple[str, str]] = set()
    while new := {e for e in elements if e not in echoes and references[e] & decl.tainted}:
        echoes |= new
        decl.tainted |= {name for _, name in new}
    for section, name in elements:
        if (section, name) not in echoes and not log.has_error(f"{section}.{name}"):
            log.extend(by_element.get((section, name), []))


def _references(decl: Declarations, section: str, name: str) -> set[str]:
    """Names a set or parameter definition refers to."""
    if section == "parameters":
        return parameter_uses(decl.formulation.parameters[name])
    return set_uses(decl.formulation.sets[name])


def check_variable(decl: Declarations, name: str, log: IssueLog) -> CheckedVariable | None:
    """A variable's index and bounds; the variable when sound enough for the data checks."""
    var = decl.formulation.variables[name]
    path = f"variables.{name}"
    scope: dict[str, Any] = {}
    index_checker = ExpressionChecker(decl, log, f"{path}.index")
    if isinstance(var.index, str):
        if var.index.strip():
            clauses = parse_domain_or_report(var.index, f"{path}.index", log)
            if clauses is not None:
                scope = index_checker.domain(clauses, {})
    else:
        for set_name in var.index:
            if is_domain(set_name):
                log.add(f"{path}.index", IssueCode.SCHEMA, *domain_in_list(set_name))
            else:
                index_checker.set_ref(set_name, {})
    if log.has_error(f"{path}.index"):
        decl.broken.add(name)
    bounds: dict[str, ex.Node | float | None] = {}
    clean = not index_checker.unresolved
    tables = {n: p.index_sets for n, p in decl.formulation.parameters.items() if p.index_sets}
    for field_name in ("lb", "ub"):
        bound = getattr(var, field_name)
        field_path = f"{path}.{field_name}"
        bare_table = table_without_index(field_name, bound, var.index, tables)
        if bare_table is not None:
            log.add(field_path, IssueCode.INDEX_ARITY, *bare_table)
            bounds[field_name] = None
            continue
        if isinstance(bound, str):
            node = parse_or_report(bound, field_path, log)
            if node is not None:
                checker = ExpressionChecker(decl, log, field_path, unbound_advice=_BOUND_ADVICE)
                checker.value(node, scope, "a bound")
                clean &= not checker.unresolved
            bounds[field_name] = node
            continue
        bounds[field_name] = bound
        if bound is not None:
            for code, message, hint, severity in bound_problems(var.type, field_name, bound):
                log.add(field_path, code, message, hint, severity)
    lb, ub = bounds["lb"], bounds["ub"]
    if isinstance(lb, int | float) and isinstance(ub, int | float) and lb > ub:
        log.add(
            f"{path}.ub",
            IssueCode.BOUND_CONFLICT,
            f"lower bound {lb} is above upper bound {ub}",
            "swap or correct the bounds; as written no value is allowed",
        )
    if not clean or log.has_error(path):
        return None
    return CheckedVariable(name, var.type, lb, ub)


def check_objective(
    decl: Declarations, log: IssueLog, used: set[str]
) -> tuple[str, ex.Node] | None:
    """The objective: a value (not a relation) over declared names; (sense, tree) when sound."""
    objective = decl.formulation.objective
    path = "objective.expression"
    node = parse_or_report(objective.expression, path, log)
    if node is None:
        return None
    checker = ExpressionChecker(decl, log, path)
    if isinstance(node, ex.Compare | ex.BoolOp):
        log.add(
            path,
            IssueCode.TYPE_MISMATCH,
            f"the objective '{ex.to_source(node)}' is a relation, not a value to {objective.sense}",
            "write only the quantity, e.g. sum(c[i] * x[i] for i in I); put the relation in a constraint",
        )
        for operand in operands(node):
            checker.value(operand, {})
    else:
        checker.value(node, {})
    used |= checker.variables_used
    if checker.unresolved or log.has_error(path):
        return None
    if not checker.variables_used and not isinstance(node, ex.Const):
        log.add(
            path,
            IssueCode.NO_VARIABLES,
            "the objective contains no decision variables, so it is a constant",
            'write the objective in terms of the variables (or "0" for a pure feasibility problem)',
            Severity.WARNING,
        )
    return objective.sense, node


def check_goal(decl: Declarations, number: int, log: IssueLog, used: set[str]) -> None:
    """A further (lexicographic) goal: a value over declared names, like the objective."""
    goal = decl.formulation.objective.then[number]
    path = f"objective.then[{number}].expression"
    node = parse_or_report(goal.expression, path, log)
    if node is None:
        return
    if isinstance(node, ex.Compare | ex.BoolOp | ex.Not):
        log.add(
            path,
            IssueCode.TYPE_MISMATCH,
            f"the goal '{ex.to_source(node)}' is a relation, not a value to {goal.sense}",
            "write only the quantity; put relations under 'constraints'",
        )
        return
    checker = ExpressionChecker(decl, log, path)
    checker.value(node, {})
    used |= checker.variables_used


def check_constraint(
    decl: Declarations, name: str, log: IssueLog, used: set[str]
) -> CheckedConstraint | None:
    """A constraint's domain, filter and relation; what the data checks need when sound."""
    con = decl.formulation.constraints[name]
    path = f"constraints.{name}"
    scope: dict[str, Any] = {}
    clauses: tuple[ex.DomainClause, ...] = ()
    checkers = []
    if con.forall is not None:
        parsed = parse_domain_or_report(con.forall, f"{path}.forall", log)
        checkers.append(ExpressionChecker(decl, log, f"{path}.forall"))
        if parsed is not None:
            clauses = parsed
            scope = checkers[-1].domain(clauses, {})
    where = None
    if con.where is not None:
        where = parse_or_report(con.where, f"{path}.where", log)
        if where is not None:
            checkers.append(ExpressionChecker(decl, log, f"{path}.where"))
            checkers[-1].condition(where, scope)
    expression_path = f"{path}.expression"
    node = parse_or_report(con.expression, expression_path, log)
    if node is None:
        return None
    checker = ExpressionChecker(decl, log, expression_path)
    checkers.append(checker)
    relation = relation_or_report(node, expression_path, log)
    for operand in operands(node):
        checker.value(operand, scope)
    used |= checker.variables_used
    unresolved = any(c.unresolved for c in checkers)
    if relation is None or unresolved or log.has_error(path):
        return None
    has_variables = bool(checker.variables_used)
    if not has_variables:  # an error only where the data makes it false (see the data checks)
        log.add(
            expression_path,
            IssueCode.NO_VARIABLES,
            f"constraint '{name}' contains no decision variables, so it only tests the data",
            "a constraint must involve the variables: fix their names, or drop this data check",
            Severity.WARNING,
        )
    return CheckedConstraint(name, clauses, where, relation, has_variables)


def check_unused(formulation: Formulation, used: set[str], log: IssueLog) -> None:
    """Variables in no constraint and not in the objective (a warning each)."""
    # Expressions that failed to parse may still mention a variable: don't call it unused then.
    texts = [
        formulation.objective.expression,
        *(c.expression for c in formulation.constraints.values()),
        *(e.expression for e in formulation.expressions.values()),
        *(p.of for p in formulation.piecewise.values()),
        *(
            t
            for ldef in formulation.logic.values()
            for t in [ldef.if_, ldef.then, ldef.else_, *(ldef.either or [])]
            if t
        ),
    ]
    for name in formulation.variables:
        if name in used or any(
            re.search(rf"\b{re.escape(name)}\b", t) for t in texts if _unparsable(t)
        ):
            continue
        log.add(
            f"variables.{name}",
            IssueCode.UNUSED_VARIABLE,
            f"variable '{name}' appears in no constraint and not in the objective",
            "use it where it belongs, or remove it",
            Severity.WARNING,
        )


def _unparsable(source: str) -> bool:
    try:
        ex.parse(source)
    except Exception:  # any parse failure means 'could not tell'
        return True
    return False
