"""A parameter table resolved against its index sets: written keys matched to set members, every value a
number, defaults and missing entries reported. Part of data resolution (:mod:`.data`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Key,
    Member,
    ModelData,
    as_key,
    is_number,
)
from optmodel.modeling.elaborate.tables import dense_table, read_entries, table_layout
from optmodel.modeling.language.ir import ParamDef
from optmodel.modeling.language.issues import Issue, IssueCode


def number_or_issue(value: Any, path: str, issues: list[Issue]) -> float | None:
    """``value`` as a float, or None after reporting at ``path`` that it is not a number."""
    if is_number(value):
        return float(value)
    hint = "write a plain number (no units, no thousands separators, no quotes)"
    issues.append(Issue(path, IssueCode.NON_NUMERIC, f"expected a number, got {value!r}", hint))
    return None


def resolve_table(name: str, param: ParamDef, data: ModelData, issues: list[Issue]) -> None:
    path = f"parameters.{name}"
    unknown = [s for s in param.index_sets if s not in data.sets]
    if unknown:
        issues.append(
            Issue(
                f"{path}.index",
                IssueCode.UNKNOWN_NAME,
                f"parameter '{name}' is indexed by unknown set(s) {', '.join(unknown)}",
                "declare the set under 'sets' or fix the name",
            )
        )
        return
    if param.default is not None:
        default = number_or_issue(param.default, f"{path}.default", issues)
        if default is not None:
            data.defaults[name] = default
    table: dict[Key, float] = {}
    dims = sum(data.dimen(s) for s in param.index_sets)
    raw = param.values if param.values is not None else ({} if param.default is not None else None)
    if raw is None:
        issues.append(
            Issue(path, IssueCode.MISSING_DATA, f"parameter '{name}' has no values", 'add "values"')
        )
        return
    try:
        layout = table_layout(name, raw, param.index_sets, param.layout, data, dims)
    except EvaluationError as error:
        code = IssueCode.AMBIGUOUS_DATA if error.code == "ambiguous" else IssueCode.SCHEMA
        issues.append(Issue(f"{path}.values", code, str(error), error.hint))
        return
    # A list or matrix of numbers needs no key matching (unless members print alike: matched below as text).
    apart = all(
        data.integer_members(s) is not None or _print_apart(data.sets[s]) for s in param.index_sets
    )
    dense = dense_table(raw, param.index_sets, layout, data) if apart else None
    if dense is not None:
        data.tables[name] = dense
        data.table_index[name] = list(param.index_sets)
        return
    lookup = [{str(m): m for m in data.sets[s]} for s in param.index_sets]
    entries = list(read_entries(raw, param.index_sets, layout, data))
    exact = _exact_keys([k for k, _ in entries], _exact_lookups(param.index_sets, lookup, data))
    for n, (raw_key, value) in enumerate(entries):
        key = None if exact is None else exact[n]
        if key is None:
            key = _match_key(raw_key, param.index_sets, lookup, data)
        if key is None:
            issues.append(
                Issue(
                    f"{path}.values",
                    IssueCode.UNKNOWN_NAME,
                    f"entry {list(raw_key)} of '{name}' is not in {' x '.join(param.index_sets)}",
                    "use members of the index sets as keys",
                )
            )
            continue
        if value.__class__ is float or value.__class__ is int:  # the common case, without a call
            number: float | None = float(value)
        else:
            number = number_or_issue(
                value, f"{path}.values[{', '.join(map(str, raw_key))}]", issues
            )
        if number is not None:
            table[key] = number
    data.tables[name] = table
    data.table_index[name] = list(param.index_sets)
    complete = len(table) == math.prod(
        len(data.sets[s]) for s in param.index_sets
    )  # keys are members
    if name not in data.defaults and not complete:
        expected = itertools.product(*(data.sets[s] for s in param.index_sets))
        missing = [k for k in (_flatten_key(e) for e in expected) if k not in table]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
            issues.append(
                Issue(
                    f"{path}.values",
                    IssueCode.MISSING_DATA,
                    f"parameter '{name}' is missing {len(missing)} of its entries: {shown}",
                    'add the missing entries, or give a "default" for entries not listed',
                )
            )


def _print_apart(members: list[Member]) -> bool:
    """Whether no two members print alike (1 and "1" do), decided by their types where that suffices."""
    kinds = set(map(type, members))
    if kinds == {int} or kinds == {str}:
        return True
    if kinds == {tuple} and set(map(type, itertools.chain.from_iterable(members))) == {int}:  # type: ignore[arg-type]
        return True
    return len({str(m) for m in members}) == len(members)


def _exact_lookups(
    index: list[str], lookup: list[dict[str, Member]], data: ModelData
) -> list[dict[Member, Member]] | None:
    """Per index set, members by themselves: the common key written exactly as the member is found at once.

    Only for one-dimensional sets whose members print differently (else the text match decides)."""
    if not all(
        data.dimen(s) == 1 and len(data.sets[s]) == len(names)
        for s, names in zip(index, lookup, strict=True)
    ):
        return None
    return [{m: m for m in data.sets[s]} for s in index]


def _exact_keys(
    raw_keys: list[tuple[Any, ...]], exact: list[dict[Member, Member]] | None
) -> list[Key | None] | None:
    """Keys of the entries written exactly as members (str or int parts), column by column; None where not."""
    if not raw_keys or exact is None or set(map(len, raw_keys)) != {len(exact)}:
        return None
    in_order: list[Any] = list(itertools.product(*(list(members) for members in exact)))
    if raw_keys == in_order and all(
        set(map(type, column)) <= {str, int} for column in zip(*raw_keys, strict=True)
    ):  # every member in the sets' order, written as itself (a matrix, a list): nothing to look up
        return [k[0] for k in in_order] if len(exact) == 1 else in_order
    matched: list[list[Any]] = [
        [members.get(v) if v.__class__ is str or v.__class__ is int else None for v in column]
        for column, members in zip(zip(*raw_keys, strict=True), exact, strict=True)
    ]
    if len(matched) == 1:
        return matched[0]
    keys: list[Key | None] = list(zip(*matched, strict=True))
    if any(None in column for column in matched):
        keys = [None if None in k else k for k in keys]  # type: ignore[operator]
    return keys


def _flatten_key(parts: tuple[Any, ...]) -> Key:
    flat: list[Any] = []
    for part in parts:
        flat.extend(part if isinstance(part, tuple) else (part,))
    return as_key(tuple(flat))


def _match_key(
    raw_key: tuple[Any, ...], index: list[str], lookup: list[dict[str, Member]], data: ModelData
) -> Key | None:
    parts: list[Any] = []
    position = 0
    for set_name, members in zip(index, lookup, strict=True):
        width = data.dimen(set_name)
        chunk = raw_key[position : position + width]
        position += width
        if len(chunk) != width:
            return None
        member_key = chunk[0] if width == 1 else tuple(chunk)
        member = members.get(str(_as_member(member_key, coerce=False)))
        if member is None:
            member = members.get(str(_as_member(member_key, coerce=True)))
        if member is None:
            return None
        parts.extend(member if isinstance(member, tuple) else (member,))
    if position != len(raw_key):
        return None
    return as_key(tuple(parts))


def _as_member(value: Any, *, coerce: bool) -> Any:
    if isinstance(value, tuple | list):
        return tuple(_as_member(v, coerce=coerce) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _coerce(value) if coerce else value


def _coerce(value: Any) -> Any:
    """'3' and 3.0 both find member 3; other strings stay strings."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value
