"""Expanding a Formulation's constraints and objective into concrete instances: relations and bindings.

Each element is expanded once per resolved model (kept in :attr:`ModelData.expansions
<optmodel.modeling.elaborate.model_data.ModelData.expansions>`); the compiler, the matrix fast path and the
solution checker read the same immutable record. No Pyomo here. Every problem is raised as a
:class:`~optmodel.errors.CompileError` with the path of the offending field. Variables are expanded in
:mod:`~optmodel.modeling.elaborate.variables`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from optmodel.errors import CompileError, ExpressionError
from optmodel.modeling.elaborate.evaluate import EvaluationError, Evaluator, Key, ModelData, as_key
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import ConstraintDef, Formulation

Clauses = Sequence[ex.DomainClause]


@dataclass(frozen=True)
class ConstraintInstances:
    """A constraint's relation and the index bindings it is stated for (``((None, {}),)`` when scalar).

    The bindings' dicts are shared by every stage: read them, never change them.
    """

    name: str
    relation: ex.Compare
    indexed: bool
    dimen: int
    bindings: tuple[tuple[Key, dict[str, Any]], ...]


def compile_error(error: EvaluationError | ExpressionError, path: str) -> CompileError:
    """An evaluation or parse error as the CompileError of the field at ``path``, its hint kept."""
    return CompileError(str(error), path=path, hint=error.hint)


def constraint_instances(
    name: str, cdef: ConstraintDef, data: ModelData, variables: Collection[str]
) -> ConstraintInstances:
    """Parse constraint ``name`` and list its index bindings (forall, filtered by where), expanded once per
    ``data``."""
    definition = f"{cdef!r} over {tuple(variables)!r}"
    return data.expansions.once(
        "constraint", name, definition, lambda: _expand_constraint(name, cdef, data, variables)
    )


def _expand_constraint(
    name: str, cdef: ConstraintDef, data: ModelData, variables: Collection[str]
) -> ConstraintInstances:
    path = f"constraints.{name}"
    try:
        tree = ex.parse(cdef.expression)
    except ExpressionError as error:
        raise compile_error(error, f"{path}.expression") from error
    relation = as_relation(tree, f"{path}.expression")
    bindings, indexed, dimen = domain_bindings(name, path, cdef.forall, cdef.where, data, variables)
    return ConstraintInstances(name, relation, indexed, dimen, bindings)


def domain_bindings(
    name: str,
    path: str,
    forall: str | None,
    where_text: str | None,
    data: ModelData,
    variables: Collection[str],
) -> tuple[tuple[tuple[Key, dict[str, Any]], ...], bool, int]:
    """The index bindings of a constraint-like element (forall filtered by where), whether it is indexed,
    and its index dimension."""
    clauses: Clauses = []
    if forall and forall.strip():
        try:
            clauses = ex.parse_domain(forall)
        except ExpressionError as error:
            raise compile_error(error, f"{path}.forall") from error
        for set_name in (c.set_name for c in clauses):
            if set_name not in data.sets:
                raise CompileError(
                    f"unknown set '{set_name}' in forall",
                    path=f"{path}.forall",
                    hint=f"declare it under 'sets' or use one of: {', '.join(data.sets) or '(none)'}",
                )
    where: tuple[ex.Node, ...] = ()
    if where_text and where_text.strip():
        try:
            where = (ex.parse(where_text),)
        except ExpressionError as error:
            raise compile_error(error, f"{path}.where") from error
    evaluator = Evaluator(data, dict.fromkeys(variables))
    targets = [t for c in clauses for t in c.targets]
    bindings: list[tuple[Key, dict[str, Any]]] = []
    try:
        if not clauses:
            if not where or evaluator.truth(where[0], {}):
                bindings.append((None, {}))
        else:
            conditions: list[tuple[ex.Node, ...]] = [() for _ in clauses]
            conditions[-1] = where
            for env in evaluator.bindings(clauses, conditions, {}):
                bindings.append((as_key(tuple(env[t] for t in targets)), env))
    except EvaluationError as error:
        raise compile_error(error, f"{path}.where" if where else f"{path}.forall") from error
    if len({key for key, _ in bindings}) != len(bindings):
        raise CompileError(
            f"the forall of '{name}' produces the same index more than once",
            path=f"{path}.forall",
            hint="use distinct index names, e.g. 'i in I, j in J'",
        )
    dimen = sum(data.dimen(c.set_name) for c in clauses)
    return tuple(bindings), bool(clauses), dimen


def as_relation(tree: ex.Node, path: str) -> ex.Compare:
    if not isinstance(tree, ex.Compare):
        hint = "write it as 'lhs <= rhs', 'lhs >= rhs' or 'lhs == rhs'"
        if isinstance(tree, ex.BoolOp):
            hint = "state each part as its own constraint instead of joining them with and/or"
        raise CompileError("this is not a constraint (no <=, >= or ==)", path=path, hint=hint)
    for op in tree.ops:
        if op in ("<", ">"):
            raise CompileError(
                f"strict inequality '{op}' cannot be modelled",
                path=path,
                hint=f"use '{op}=' (solvers cannot enforce strict inequalities; for integer "
                "expressions write e.g. x <= c - 1)",
            )
        if op not in ex.RELATIONS:
            raise CompileError(
                f"'{op}' cannot be used as a constraint",
                path=path,
                hint="a constraint relates two expressions with <=, >= or ==; "
                "use 'in'/'!=' only in where filters and if conditions",
            )
    return tree


def objective_tree(formulation: Formulation) -> ex.Node:
    """The parsed objective expression; a comparison is rejected."""
    return goal_tree(formulation.objective.expression, "objective.expression")


def goal_tree(source: str, path: str) -> ex.Node:
    """The parsed expression of an objective or a further goal; a comparison is rejected."""
    try:
        tree = ex.parse(source)
    except ExpressionError as error:
        raise compile_error(error, path) from error
    if isinstance(tree, ex.Compare | ex.BoolOp | ex.Not):
        raise CompileError(
            "the objective must be an expression, not a condition",
            path=path,
            hint="write only the quantity to optimise, e.g. 'sum(c[i] * x[i] for i in I)'; "
            "put relations under 'constraints'",
        )
    return tree


def check_distinct_names(formulation: Formulation) -> None:
    """Sets, parameters and variables share one namespace in expressions; a clash is ambiguous."""
    seen: dict[str, str] = {}
    for kind, names in (
        ("sets", formulation.sets),
        ("parameters", formulation.parameters),
        ("variables", formulation.variables),
        ("expressions", formulation.expressions),
        ("piecewise", formulation.piecewise),
    ):
        for name in names:
            if name in seen:
                raise CompileError(
                    f"'{name}' names both a {seen[name]} entry and a {kind} entry",
                    path=f"{kind}.{name}",
                    hint="give every set, parameter, variable and expression its own name",
                )
            seen[name] = kind
