"""The probe's equality join: ``for (i, j) in ARCS if i == n`` visits the arcs leaving ``n``, not all arcs.

Validation evaluates a sample of the model term by term under a budget; scanning half a million arcs for
each node's filter would spend all of it on the first node. Over a set of integers (or integer tuples) the
members whose component equals the value are found by binary search in the set's array (the same one the
fast path joins with). Only the first filter is used (a later one may be evaluated only where earlier
ones hold), only for a plain ``int`` value (``1.0 == 1`` is left to the filter itself), and the filters
still run on every member visited: what is left out is exactly what the first filter rejects without error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from optmodel.modeling.elaborate.model_data import Member, ModelData
from optmodel.modeling.language import expressions as ex


def equal_members(
    data: ModelData,
    clause: ex.DomainClause,
    filters: tuple[ex.Node, ...],
    env: Mapping[str, Any],
    evaluate: Callable[[ex.Node, Mapping[str, Any]], Any],
) -> list[Member] | None:
    """The members of ``clause``'s set that can pass ``filters[0]`` when it reads ``target == value``;
    None when the join does not apply (the caller then visits every member)."""
    integers = data.integer_members(clause.set_name)
    if not filters or integers is None or clause.set_index or clause.set_name in data.families:
        return None
    condition = filters[0]
    if not (isinstance(condition, ex.Compare) and condition.ops == ("==",)):
        return None
    targets = clause.targets
    for mine, other in (condition.operands, condition.operands[::-1]):
        if not (isinstance(mine, ex.Name) and mine.id in targets):
            continue
        if ex.free_names(other) & set(targets):
            continue
        if len(targets) > 1:
            if not integers.tuples or integers.width != len(targets):
                return None  # unpacking fails on every member: the reference reports it
            component = targets.index(mine.id)
        elif integers.tuples:
            return None  # the target is a whole tuple member
        else:
            component = 0
        value = evaluate(other, env)
        if type(value) is not int:
            return None
        order, ordered = integers.by_value(component)  # a stable order: equal values in set order
        low = int(ordered.searchsorted(value, side="left"))
        high = int(ordered.searchsorted(value, side="right"))
        members = data.sets[clause.set_name]
        return [members[code] for code in order[low:high].tolist()]
    return None
