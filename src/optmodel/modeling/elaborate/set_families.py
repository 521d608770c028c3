"""Set families: a set whose members depend on an index (``NB[i]``, the neighbours of node ``i``).

A family is declared under ``sets`` with an ``index`` (one set) and either ``members`` listed per index member
or ``from`` + ``where`` evaluated once per index member. Its union is kept as an ordinary set (so dimensions,
membership and subset checks read it like any other); the per-member lists live in ``ModelData.families``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optmodel.errors import ExpressionError
from optmodel.limits import current_limits
from optmodel.modeling.elaborate.model_data import (
    EvaluationError,
    Member,
    ModelData,
    as_key,
    normalize_member,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import SetDef
from optmodel.modeling.language.issues import Issue, IssueCode

if TYPE_CHECKING:  # evaluate imports this module
    from optmodel.modeling.elaborate.evaluate import Evaluator

_SHAPE_HINT = (
    '"index": "N", "members": {"1": [2, 3], "2": [1]}, or '
    '"index": "i in N", "from": "j in N", "where": "CONDITION"'
)


def family_index(set_def_index: str) -> tuple[str | None, str]:
    """The index name (None when written as a plain set name) and index set of ``"i in N"`` / ``"N"``."""
    if " in " not in f" {set_def_index} ":
        return None, set_def_index.strip()
    clauses = ex.parse_domain(set_def_index)
    if len(clauses) != 1 or len(clauses[0].targets) != 1 or clauses[0].set_index:
        raise ExpressionError(
            "a set family is indexed by one set", expression=set_def_index, hint=_SHAPE_HINT
        )
    return clauses[0].targets[0], clauses[0].set_name


def membership_clause(right: ex.Node) -> ex.DomainClause | None:
    """The set (``in N``) or set family member (``in NB[i]``) right of ``in``; None for anything else."""
    if isinstance(right, ex.Subscript):
        return ex.DomainClause((), right.name, right.indices)
    return ex.DomainClause((), right.id) if isinstance(right, ex.Name) else None


def resolve_family(name: str, set_def: SetDef, data: ModelData, evaluate: Evaluator) -> list[Issue]:
    """Resolve family ``name`` into ``data`` (union and per-member lists); the problems found as Issues."""
    assert set_def.index is not None
    path = f"sets.{name}"
    issues: list[Issue] = []
    try:
        target, index_set = family_index(set_def.index)
    except (ExpressionError, RecursionError) as error:
        return [Issue(f"{path}.index", IssueCode.SYNTAX, str(error), _SHAPE_HINT)]
    for field, ref in (("index", index_set), ("within", set_def.within)):
        if ref is not None and ref not in data.sets:
            issues.append(
                Issue(
                    f"{path}.{field}",
                    IssueCode.UNKNOWN_NAME,
                    f"set family '{name}' names unknown set '{ref}' as its {field}",
                    f"declare '{ref}' under 'sets' above '{name}'",
                )
            )
    if issues:
        return issues
    lists: dict[Member, list[Member]] | None
    if isinstance(set_def.members, dict):
        lists = _listed(name, set_def.members, data.sets[index_set], issues)
    elif set_def.from_ is not None:
        lists = _filtered(name, set_def, target, index_set, data, evaluate, issues)
    else:
        issues.append(
            Issue(path, IssueCode.SCHEMA, f"set family '{name}' has no members", _SHAPE_HINT)
        )
        return issues
    if issues or lists is None:
        return issues
    total = sum(len(members) for members in lists.values())
    if total > current_limits().max_set_members:
        return [
            Issue(
                path,
                IssueCode.TOO_LARGE,
                f"set family '{name}' has {total:,} members in all (more than "
                f"{current_limits().max_set_members:,})",
                "check its definition; families this large do not fit a model",
            )
        ]
    union = list(dict.fromkeys(m for members in lists.values() for m in members))
    if (within := set_def.within) is not None:
        outside = [m for m in union if not data.contains(within, m)]
        if outside:
            shown = ", ".join(repr(m) for m in outside[:6])
            return [
                Issue(
                    f"{path}.members",
                    IssueCode.TYPE_MISMATCH,
                    f"set family '{name}' has members not in {within}: {shown}",
                    f"list only members of {within}, or fix 'within'",
                )
            ]
        kept = set(union)
        union = [m for m in data.sets[within] if m in kept]  # the order of the declared member set
    data.add_set(name, union)
    data.families[name] = {key: lists.get(key, []) for key in data.sets[index_set]}
    return issues


def _listed(
    name: str, given: dict[Any, Any], index_members: list[Member], issues: list[Issue]
) -> dict[Member, list[Member]]:
    """Members written per index member; keys are matched to index members by their text (JSON keys)."""
    by_text = {str(m): m for m in index_members}
    lists: dict[Member, list[Member]] = {}
    for raw_key, raw_members in given.items():
        key = by_text.get(str(raw_key))
        path = f"sets.{name}.members.{raw_key}"
        if key is None:
            shown = ", ".join(list(by_text)[:6])
            issues.append(
                Issue(
                    path,
                    IssueCode.TYPE_MISMATCH,
                    f"'{raw_key}' is not a member of the index of set family '{name}'",
                    f"index members are: {shown}",
                )
            )
            continue
        if not isinstance(raw_members, list):
            issues.append(
                Issue(path, IssueCode.SCHEMA, "a family member's members are a list", _SHAPE_HINT)
            )
            continue
        try:
            members = [normalize_member(m) for m in raw_members]
        except EvaluationError as error:
            issues.append(Issue(path, IssueCode.TYPE_MISMATCH, str(error), error.hint))
            continue
        if len(set(members)) != len(members):
            issues.append(
                Issue(path, IssueCode.DUPLICATE_NAME, "members listed twice", "list each once")
            )
        lists[key] = list(dict.fromkeys(members))
    return lists


def _filtered(
    name: str,
    set_def: SetDef,
    target: str | None,
    index_set: str,
    data: ModelData,
    evaluate: Evaluator,
    issues: list[Issue],
) -> dict[Member, list[Member]] | None:
    """``from`` + ``where`` evaluated once per index member, with the index name bound."""
    if target is None:
        issues.append(
            Issue(
                f"sets.{name}.index",
                IssueCode.SCHEMA,
                f"set family '{name}' with 'from' needs an index name its 'where' can use",
                f'write "index": "i in {index_set}"',
            )
        )
        return None
    assert set_def.from_ is not None
    try:
        clauses = ex.parse_domain(set_def.from_)
        condition = (ex.parse(set_def.where),) if set_def.where else ()
        conditions: list[tuple[ex.Node, ...]] = [() for _ in clauses]
        conditions[-1] = condition
        targets = [t for c in clauses for t in c.targets]
        work = len(data.sets[index_set]) * math.prod(
            len(data.sets.get(c.set_name, ())) for c in clauses
        )
        if (
            work > current_limits().max_set_members
        ):  # the filter runs this often, as for a 'from' set
            raise EvaluationError(
                f"set family '{name}' filters {work:,} candidates (more than "
                f"{current_limits().max_set_members:,})",
                "filter over smaller sets",
            )
        return {
            key: [
                as_key(tuple(env[t] for t in targets))  # type: ignore[misc]
                for env in evaluate.bindings(clauses, conditions, {target: key})
            ]
            for key in data.sets[index_set]
        }
    except (EvaluationError, ExpressionError) as error:
        code = IssueCode.SYNTAX if isinstance(error, ExpressionError) else IssueCode.TYPE_MISMATCH
        issues.append(Issue(f"sets.{name}.from", code, str(error), error.hint))
        return None
