"""Reading a parameter table's ``values`` in one of its written layouts, never guessing between two.

Layouts: ``nested`` (an object keyed by members, one level per index set, or ``"A,1"`` keys), ``list`` (one
value per member of a one-dimensional index, in the set's order), ``rows`` (``[member, ..., value]`` lists)
and ``matrix`` (rows follow the first of two index sets, columns the second). A list of lists can be both
rows and a matrix (three ``[i, j, value]`` rows over ``{1, 2, 3} x {1, 2, 3}`` are also a 3x3 matrix): then
the parameter must declare ``"layout"``, and the issue shows both readings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from typing import Any, Literal

import numpy as np

from optmodel.modeling.elaborate.evaluate import EvaluationError, Key, Member, ModelData

Layout = Literal["nested", "list", "rows", "matrix"]
LAYOUTS: tuple[Layout, ...] = ("nested", "list", "rows", "matrix")
Entry = tuple[tuple[Any, ...], Any]


def read_entries(raw: Any, index: list[str], layout: Layout, data: ModelData) -> Iterator[Entry]:
    """(key parts as written, value) for every entry of ``raw``, which fits ``layout`` (:func:`table_layout`)."""
    return _READERS[layout](raw, index, data)


def table_layout(
    name: str, raw: Any, index: list[str], layout: Layout | None, data: ModelData, dims: int
) -> Layout:
    """The layout ``raw`` is read in (declared or inferred); EvaluationError when it does not fit.

    An ambiguous table raises with ``code="ambiguous"``.
    """
    chosen = layout or _infer_layout(name, raw, index, data, dims)
    # An inferred 'list' has been seen to hold plain values: 500k entries are not scanned twice.
    problem = _misfit(chosen, raw, index, data, dims, plain=layout is None and chosen == "list")
    if problem:
        raise EvaluationError(f"the values do not fit layout '{chosen}': {problem}", _HINTS[chosen])
    return chosen


def dense_table(raw: Any, index: list[str], layout: Layout, data: ModelData) -> DenseTable | None:
    """A ``list`` or ``matrix`` table of plain numbers read at C speed: its keys are the index sets' members
    in order, so there is nothing to look up and nothing to report. None for anything else (read entry by
    entry).

    ``raw`` must fit ``layout`` (see :func:`table_layout`).
    """
    if layout == "list":
        values: list[Any] = raw
    elif layout == "matrix":
        values = list(itertools.chain.from_iterable(raw))
    else:
        return None
    if not set(map(type, values)) <= {float, int}:  # bool, text, None, nested: reported one by one
        return None
    return DenseTable(data, index, np.fromiter(values, dtype=np.float64, count=len(values)))


class DenseTable(Mapping[Key, float]):
    """A complete table over its index sets (one set, or two sets of single members), held as one float
    per key in the sets' product order. It reads as the ``{key: value}`` dict it replaces; a key is
    located through the sets' member positions, so no dict with an entry per key is ever built."""

    __slots__ = ("_data", "_sets", "array")

    def __init__(self, data: ModelData, sets: list[str], array: np.ndarray) -> None:
        self._data = data
        self._sets = list(sets)
        #: The values in product order (read-only by convention: the table is resolved data).
        self.array = array

    def _position(self, key: object) -> int | None:
        data, sets = self._data, self._sets
        if len(sets) == 1:
            return data.position(sets[0], key)
        if not isinstance(key, tuple) or len(key) != 2:
            return None
        first, second = data.position(sets[0], key[0]), data.position(sets[1], key[1])
        if first is None or second is None:
            return None
        return first * len(data.sets[sets[1]]) + second

    def __getitem__(self, key: Key) -> float:
        position = self._position(key)
        if position is None:
            raise KeyError(key)
        return float(self.array[position])

    def __contains__(self, key: object) -> bool:
        return self._position(key) is not None

    def __iter__(self) -> Iterator[Key]:
        members = [self._data.sets[s] for s in self._sets]
        return iter(members[0]) if len(members) == 1 else itertools.product(*members)

    def __len__(self) -> int:
        return len(self.array)

    def values(self) -> ValuesView[float]:
        return _Values(self)

    def items(self) -> ItemsView[Key, float]:
        return _Items(self)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class _Values(ValuesView[float]):
    _mapping: DenseTable

    def __iter__(self) -> Iterator[float]:
        return iter(self._mapping.array.tolist())


class _Items(ItemsView[Key, float]):
    _mapping: DenseTable

    def __iter__(self) -> Iterator[tuple[Key, float]]:
        table = self._mapping
        return zip(iter(table), table.array.tolist(), strict=True)


_HINTS: dict[Layout, str] = {
    "nested": 'write {"A": {"1": 3, "2": 5}}: one level per index set',
    "list": "give one value per member of the single index set, in the set's order",
    "rows": "write one [member, ..., value] list per entry",
    "matrix": "write one list per member of the first index set, one value per member of the second",
}


def _infer_layout(name: str, raw: Any, index: list[str], data: ModelData, dims: int) -> Layout:
    if isinstance(raw, dict):
        return "nested"
    if not isinstance(raw, list):
        raise EvaluationError("'values' must be an object, a list of values or a list of rows")
    if not _any_nested(raw):
        return "list"
    as_rows = not _misfit("rows", raw, index, data, dims) and _row_keys_are_members(
        raw, index, data
    )
    as_matrix = not _misfit("matrix", raw, index, data, dims)
    if as_rows and as_matrix:
        raise EvaluationError(
            f"the values of '{name}' read two ways: as a matrix ({_shown(name, raw, 'matrix', index, data)}) "
            f"or as [{', '.join(index)}, value] rows ({_shown(name, raw, 'rows', index, data)})",
            'say which: add "layout": "matrix" or "layout": "rows" to the parameter',
            code="ambiguous",
        )
    if as_matrix:
        return "matrix"
    if as_rows or not _misfit("rows", raw, index, data, dims):
        return "rows"  # keys that are not members are reported entry by entry
    return "matrix" if len(index) == 2 and all(isinstance(r, list) for r in raw) else "rows"


def _misfit(
    layout: Layout, raw: Any, index: list[str], data: ModelData, dims: int, plain: bool = False
) -> str:
    """Why ``raw`` cannot be read in ``layout`` ('' when it can); ``plain``: it holds no lists or dicts."""
    if layout == "nested":
        return "" if isinstance(raw, dict) else "expected an object keyed by members"
    if not isinstance(raw, list):
        return "expected a list"
    if layout == "list":
        if len(index) != 1:
            return "a list of values needs exactly one index set"
        if not plain and _any_nested(raw):
            return "expected plain values"
        size = len(data.sets[index[0]])
        if len(raw) != size:
            return f"{len(raw)} values for the {size} members of {index[0]}"
        return ""
    if layout == "rows":
        if not all(isinstance(r, list) and len(r) == dims + 1 for r in raw):
            return f"every row must be a list of {dims} key part(s) and then the value"
        return ""
    if len(index) != 2 or data.dimen(index[0]) != 1 or data.dimen(index[1]) != 1:
        return "a matrix needs two index sets of single members"
    first, second = data.sets[index[0]], data.sets[index[1]]
    if len(raw) != len(first) or any(not isinstance(r, list) or len(r) != len(second) for r in raw):
        return f"a matrix for {index[0]} x {index[1]} is {len(first)} rows of {len(second)} values"
    return ""


def _any_nested(values: list[Any]) -> bool:
    """Whether some value is a list or a dict (by their types: tables have 500k entries)."""
    return any(issubclass(kind, list | dict) for kind in set(map(type, values)))


def _row_keys_are_members(raw: list[Any], index: list[str], data: ModelData) -> bool:
    """Whether every row's leading entries could name members (compared as text, component-wise)."""
    positions: list[set[str]] = []
    for set_name in index:
        for component in range(data.dimen(set_name)):
            positions.append({_text(_part(m, component)) for m in data.sets[set_name]})
    return all(
        all(_text(part) in allowed for part, allowed in zip(row, positions, strict=False))
        for row in raw
    )


def _part(member: Member, component: int) -> Any:
    return member[component] if isinstance(member, tuple) else member


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _shown(name: str, raw: Any, layout: Layout, index: list[str], data: ModelData) -> str:
    entries = list(_READERS[layout](raw, index, data))
    text = ", ".join(
        f"{name}[{', '.join(_text(p) for p in parts)}] = {value}" for parts, value in entries[:4]
    )
    return text + (", ..." if len(entries) > 4 else "")


def _nested(raw: dict[str, Any], index: list[str], data: ModelData) -> Iterator[Entry]:
    depth = sum(data.dimen(s) for s in index)
    yield from _nested_from(raw, depth, ())


def _nested_from(raw: dict[str, Any], depth: int, prefix: tuple[Any, ...]) -> Iterator[Entry]:
    for key, value in raw.items():
        # Most keys are plain members: no list to split them into (this runs once per table entry).
        parts = prefix + (tuple(_split_key(key)) if key.__class__ is str and "," in key else (key,))
        if isinstance(value, dict) and len(parts) < depth:
            yield from _nested_from(value, depth, parts)
        else:
            yield parts, value


def _split_key(key: Any) -> list[Any]:
    # Tuple keys written as "A,1" or "(A, 1)" are accepted as well as nesting.
    if isinstance(key, str) and "," in key:
        return [p.strip().strip("()'\" ") for p in key.split(",")]
    return [key]


def _list(raw: list[Any], index: list[str], data: ModelData) -> Iterator[Entry]:
    for member, value in zip(data.sets[index[0]], raw, strict=True):
        yield (member if isinstance(member, tuple) else (member,)), value


def _rows(raw: list[Any], index: list[str], data: ModelData) -> Iterator[Entry]:
    for row in raw:
        yield tuple(row[:-1]), row[-1]


def _matrix(raw: list[Any], index: list[str], data: ModelData) -> Iterator[Entry]:
    for a, row in zip(data.sets[index[0]], raw, strict=True):
        for b, value in zip(data.sets[index[1]], row, strict=True):
            yield (a, b), value


_READERS: dict[Layout, Callable[[Any, list[str], ModelData], Iterator[Entry]]] = {
    "nested": _nested,
    "list": _list,
    "rows": _rows,
    "matrix": _matrix,
}
