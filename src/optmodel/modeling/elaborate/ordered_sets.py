"""Positions in a set, in the order its members are written: len, first, last, ord, prev/next (+ cyclic).

``prev(t, T)`` at the first member is an error that says how to guard it (``s[prev(t, T)] if t != first(T)
else s0``: the initial value is stated, never assumed); ``prev_cyclic`` / ``next_cyclic`` wrap around, for
rotas and other periodic schedules.
"""

from __future__ import annotations

from typing import Any

from optmodel.modeling.elaborate.model_data import EvaluationError, Member, ModelData
from optmodel.modeling.language import expressions as ex


def set_function(
    data: ModelData,
    node: ex.Call,
    set_arg: ex.Node,
    member: Any,
    family_members: list[Member] | None = None,
) -> Any:
    """The value of ``node`` (a call of one of :data:`~optmodel.modeling.language.expressions.SET_FUNCTIONS`).

    ``set_arg`` is its last argument (a set name, or a set family's member ``NB[i]`` whose members are
    ``family_members``) and ``member`` its evaluated first argument, if any.
    """
    func, takes_member = node.func, len(node.args) > 1
    if family_members is not None:
        return _position_function(func, ex.to_source(set_arg), family_members, member, None)
    if not (isinstance(set_arg, ex.Name) and set_arg.id in data.sets):
        usage = f"{func}(t, SET)" if takes_member else f"{func}(SET)"
        raise EvaluationError(
            f"the last argument of {func}() must name a set",
            f"write {usage}, not {ex.to_source(node)}",
        )
    if set_arg.id in data.families:
        raise EvaluationError(
            f"set family '{set_arg.id}' needs an index in {func}()", f"write {func}(NB[i])"
        )
    return _position_function(func, set_arg.id, data.sets[set_arg.id], member, data)


def _position_function(
    func: str, name: str, members: list[Member], member: Any, data: ModelData | None
) -> Any:
    """``func`` over ``members`` in their written order; ``data`` looks positions up in set ``name``."""
    if func == "len":
        return len(members)
    if not members:
        raise EvaluationError(f"{func}() of the empty set '{name}'")
    if func in ("first", "last"):
        return members[0 if func == "first" else -1]
    if data is not None:
        position = data.position(name, member)
    else:
        position = members.index(member) if member in members else None
    if position is None:
        raise EvaluationError(f"{member!r} is not a member of '{name}' in {func}()")
    if func == "ord":
        return position + 1
    step = 1 if func.startswith("next") else -1
    target = position + step
    if func.endswith("cyclic"):
        return members[target % len(members)]
    if not 0 <= target < len(members):
        end = "last" if step > 0 else "first"
        raise EvaluationError(
            f"{func}({member!r}, {name}): {member!r} is the {end} member of {name}",
            f"guard it and state the value there, e.g. 's[{func}(t, {name})] if t != {end}({name}) "
            f"else s0', or use {func}_cyclic to wrap around",
            code="unknown-key",
        )
    return members[target]
