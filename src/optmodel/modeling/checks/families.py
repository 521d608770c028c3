"""Static checks of set family uses (``j in NB[i]``) and of a family's ``from``/``where``. Part of validation.

The family's data (index members, members within the declared set, sizes) is checked when it is resolved
(:mod:`~optmodel.modeling.elaborate.set_families`); here only the expressions that name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optmodel.errors import ExpressionError
from optmodel.modeling.checks.context import Binding, Declarations, Scope
from optmodel.modeling.elaborate.set_families import family_index
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode

if TYPE_CHECKING:
    from optmodel.modeling.checks.expressions import ExpressionChecker


def index_set_of(decl: Declarations, name: str) -> str | None:
    """The index set of set family ``name``; None when ``name`` is not a family (or its index is broken)."""
    set_def = decl.formulation.sets.get(name)
    if set_def is None or set_def.index is None:
        return None
    try:
        return family_index(set_def.index)[1]
    except (ExpressionError, RecursionError):
        return None


def is_family(decl: Declarations, name: str) -> bool:
    set_def = decl.formulation.sets.get(name)
    return set_def is not None and set_def.index is not None


def check_unindexed_use(checker: ExpressionChecker, name: str) -> None:
    """A set family named without an index (``j in NB``, ``len(NB)``): its members depend on one."""
    if is_family(checker.decl, name):
        checker.report(
            IssueCode.INDEX_ARITY,
            f"set family '{name}' has members per index member and needs an index",
            f"write j in {name}[i]",
        )


def check_family_use(checker: ExpressionChecker, clause: ex.DomainClause, scope: Scope) -> None:
    """``NB[i]`` in a domain or generator: NB is a family and ``i`` a member of its index set."""
    name = clause.set_name
    source = ex.set_source(clause)
    for item in clause.set_index:
        checker.value(item, scope, "an index")
    if not is_family(checker.decl, name):
        if checker.decl.kind(name) == "set":
            checker.report(
                IssueCode.TYPE_MISMATCH,
                f"set '{name}' is not a set family, so '{source}' is invalid",
                f'iterate over {name}, or declare a family with "index" (members per index member)',
            )
        return
    index_set = index_set_of(checker.decl, name)
    if index_set is None:
        return
    widths = [checker.item_width(i, scope) for i in clause.set_index]
    expected = checker.decl.set_dim(index_set)
    given = None if None in widths else sum(w for w in widths if w is not None)
    if expected is not None and given is not None and given != expected:
        checker.report(
            IssueCode.INDEX_ARITY,
            f"'{source}' gives {given} index value(s) but set family '{name}' is indexed over "
            f"{index_set} ({expected} value(s))",
            f"write {name}[i] with i in {index_set}",
        )
        return
    if len(clause.set_index) == 1:
        checker.check_item(
            ex.Subscript(name, clause.set_index), clause.set_index[0], 1, index_set, scope
        )


def family_scope(decl: Declarations, name: str) -> Scope:
    """The index name a family's ``where`` may use (``i`` of ``"index": "i in N"``); empty otherwise."""
    set_def = decl.formulation.sets[name]
    if set_def.index is None:
        return {}
    try:
        target, index_set = family_index(set_def.index)
    except (ExpressionError, RecursionError):
        return {}
    if target is None:
        return {}
    return {target: Binding(index_set, decl.set_dim(index_set))}
