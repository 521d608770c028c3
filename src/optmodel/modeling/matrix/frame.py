"""Index bindings as arrays: a :class:`Frame` holds, for every row, which member each index name is bound to.

A constraint family ``forall i in I, j in J`` is one frame of ``|I| * |J|`` rows; a ``sum`` inside it expands
each row into the rows of its generators and reduces back through :attr:`Frame.origin`. Members are stored as
codes (positions in their set), so table and variable lookups over the sets they are indexed by are array
arithmetic, not dictionary look-ups.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optmodel.modeling.elaborate.evaluate import Member, ModelData
from optmodel.modeling.elaborate.integer_members import IntegerMembers
from optmodel.modeling.elaborate.tables import DenseTable

#: Rows a frame may have before the fast path gives the model back to the reference path.
MAX_ROWS = 30_000_000


class NotVectorizable(Exception):
    """The fast path does not handle this construct (or its data); the reference Pyomo path will."""


@dataclass(frozen=True)
class Bound:
    """Index name -> member per row: ``codes`` into ``set_name``; ``component`` k of tuple members, or None."""

    set_name: str
    codes: np.ndarray
    component: int | None
    #: Names unpacked from one domain clause share it (``(i, j) in ARCS``).
    clause: int


@dataclass(frozen=True)
class Frame:
    size: int
    names: Mapping[str, Bound]
    #: Row of the enclosing frame each row came from (the reduction map of a sum).
    origin: np.ndarray

    def take(self, rows: np.ndarray) -> Frame:
        """The sub-frame of ``rows`` (its origin maps back into this frame)."""
        names = {
            n: Bound(b.set_name, b.codes[rows], b.component, b.clause)
            for n, b in self.names.items()
        }
        return Frame(len(rows), names, rows)


def root_frame() -> Frame:
    return Frame(1, {}, np.zeros(1, dtype=np.int64))


class SetIndex:
    """One resolved set as arrays: members, codes, component values, groups for equality joins."""

    def __init__(self, members: list[Member], integers: IntegerMembers | None = None) -> None:
        self.members = members
        #: The members as an int64 array when they are integers or integer tuples (no per-member work then).
        self.integers = integers
        self.size = len(members)
        self._values: dict[int | None, np.ndarray] = {}
        self._groups: dict[int | None, dict[Any, np.ndarray]] = {}
        self._orders: dict[int | None, tuple[np.ndarray, np.ndarray]] = {}
        self._unpacks: dict[int, bool] = {}
        self._plain: dict[int | None, tuple[list[Any], bool]] = {}
        self.width = len(members[0]) if members and isinstance(members[0], tuple) else 1

    def _items(self, component: int | None) -> tuple[list[Any], bool]:
        """Member (or component) values, and whether all are integers (found once per component)."""
        if component not in self._plain:
            column = self._column(component)
            if column is not None:  # known to be integers: the array, not a list of parts
                self._plain[component] = column.tolist(), True
                return self._plain[component]
            items = (
                self.members
                if component is None
                else list(map(operator.itemgetter(component), self.members))  # type: ignore[arg-type]
            )
            self._plain[component] = items, set(map(type, items)) == {int}
        return self._plain[component]

    def _column(self, component: int | None) -> np.ndarray | None:
        """Component ``component`` (or the member, for plain integers) from the integer array, if any."""
        integers = self.integers
        if integers is None or (component is None and integers.tuples):
            return None
        return integers.array[:, component or 0]

    def values(self, component: int | None) -> np.ndarray:
        """Member (or component) values: int64 when all are integers, else objects."""
        cached = self._values.get(component)
        if cached is None:
            cached = self._column(component)
        if cached is None:
            items, integers = self._items(component)
            if integers:
                cached = np.array(items, dtype=np.int64)
            else:
                cached = np.empty(len(items), dtype=object)
                cached[:] = items
            self._values[component] = cached
        return cached

    def unpacks_into(self, width: int) -> bool:
        """Whether every member is a tuple of ``width`` parts (checked once per set, not per binding)."""
        if width not in self._unpacks and self.integers is not None:
            self._unpacks[width] = self.integers.tuples and self.integers.width == width
        if width not in self._unpacks:
            members = self.members
            self._unpacks[width] = (
                self.width == width
                and all(map(isinstance, members, itertools.repeat(tuple)))
                and set(map(len, members)) <= {width}  # type: ignore[arg-type]
            )
        return self._unpacks[width]

    def integer_matches(
        self, component: int | None, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """For integer members (or components) and integer ``wanted`` values: (rows, codes) pairing each
        row ``r`` with the members equal to ``wanted[r]``, in set order; what ``group`` gives, by arrays.
        None when the members are not all integers."""
        if self._column(component) is None and not self._items(component)[1]:
            return None
        order, ordered = self._sorted(component)
        low = np.searchsorted(ordered, wanted, side="left")
        counts = np.searchsorted(ordered, wanted, side="right") - low
        rows = np.repeat(np.arange(len(wanted), dtype=np.int64), counts)
        # Each row's run of the sorted members: its start repeated, plus 0, 1, ... within the run.
        firsts = np.repeat(low - (np.cumsum(counts) - counts), counts)
        return rows, order[firsts + np.arange(len(rows), dtype=np.int64)]

    def _sorted(self, component: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Codes in a stable order of the (integer) values, and the values in that order."""
        cached = self._orders.get(component)
        if cached is None and self._column(component) is not None:
            assert self.integers is not None  # shared with validation's probe
            cached = self._orders[component] = self.integers.by_value(component or 0)
        if cached is None:
            values = self.values(component)
            order = np.argsort(values, kind="stable")
            cached = self._orders[component] = order, values[order]
        return cached

    def group(self, component: int | None) -> dict[Any, np.ndarray]:
        """Value -> codes of the members having it (in set order)."""
        cached = self._groups.get(component)
        if cached is None:
            items, integers = self._items(component)
            if integers:  # node numbers, say: grouped by a stable sort, not member by member
                order, ordered = self._sorted(component)
                starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
                ends = [*starts[1:].tolist(), len(order)]
                pieces = [order[a:b] for a, b in zip(starts.tolist(), ends, strict=True)]
                cached = dict(zip(ordered[starts].tolist(), pieces, strict=True))
            else:
                lists: dict[Any, list[int]] = {}
                for code, value in enumerate(items):
                    lists.setdefault(value, []).append(code)
                cached = {v: np.array(c, dtype=np.int64) for v, c in lists.items()}
            self._groups[component] = cached
        return cached


class DataIndex:
    """Array views of the one resolved :class:`ModelData`, built on first use and kept for the build."""

    def __init__(self, data: ModelData) -> None:
        self.data = data
        self._sets: dict[str, SetIndex] = {}
        self._dense: dict[str, np.ndarray | None] = {}
        self._families: dict[str, dict[Any, np.ndarray]] = {}
        self._family_sets: dict[str, dict[Any, frozenset[Any]]] = {}
        self._clauses = 0

    def set(self, name: str) -> SetIndex:
        index = self._sets.get(name)
        if index is None:
            if name not in self.data.sets:
                raise NotVectorizable(f"unknown set {name!r}")
            index = self._sets[name] = SetIndex(
                self.data.sets[name], self.data.integer_members(name)
            )
        return index

    def family_rows(self, name: str, keys: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """For ``j in NB[i]`` with ``keys[r]`` the value of ``i`` in row ``r``: (rows, codes) of the members
        of each row's ``NB[i]``, codes into the family's union (``sets[name]``)."""
        matches, counts = self.family_counts(name, keys)
        if counts.sum() > MAX_ROWS:
            raise NotVectorizable(f"{counts.sum()} index combinations")
        rows = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        codes = np.concatenate(matches) if matches else np.empty(0, dtype=np.int64)
        return rows, codes

    def family_counts(self, name: str, keys: list[Any]) -> tuple[list[np.ndarray], np.ndarray]:
        """The member codes of ``NB[keys[r]]`` for every row ``r``, and how many there are."""
        codes_of = self._families.get(name)
        if codes_of is None:
            if name not in self.data.families:
                raise NotVectorizable(f"{name!r} is not a set family")
            code = {m: c for c, m in enumerate(self.set(name).members)}
            codes_of = self._families[name] = {
                key: np.fromiter(map(code.__getitem__, members), dtype=np.int64, count=len(members))
                for key, members in self.data.families[name].items()
            }
        try:
            matches = [codes_of[key] for key in keys]
        except (KeyError, TypeError):  # not an index member (the reference reports it)
            raise NotVectorizable(f"a key outside the index of set family {name!r}") from None
        return matches, np.fromiter(map(len, matches), dtype=np.int64, count=len(matches))

    def family_contains(self, name: str, keys: list[Any], values: list[Any]) -> np.ndarray:
        """``values[r] in NB[keys[r]]`` for every row ``r``."""
        sets = self._family_sets.get(name)
        if sets is None:
            if name not in self.data.families:
                raise NotVectorizable(f"{name!r} is not a set family")
            sets = self._family_sets[name] = {
                key: frozenset(members) for key, members in self.data.families[name].items()
            }
        try:  # a key outside the index, or an unhashable value: the reference path reports it
            found = [value in sets[key] for key, value in zip(keys, values, strict=True)]
        except (KeyError, TypeError):
            raise NotVectorizable(f"a key outside the index of set family {name!r}") from None
        return np.array(found, dtype=bool)

    def new_clause(self) -> int:
        self._clauses += 1
        return self._clauses

    def dense_table(self, name: str) -> np.ndarray | None:
        """The table over the product of its index sets, NaN where absent without a default; None if too sparse."""
        if name in self._dense:
            return self._dense[name]
        table = self.data.tables[name]
        sets = [self.set(s) for s in self.data.table_index[name]]
        size = int(np.prod([s.size for s in sets], dtype=np.float64))
        dense: np.ndarray | None = None
        if isinstance(table, DenseTable):  # already an array over the product of its index sets
            dense = table.array
        elif size <= max(4 * len(table), 1_000_000):
            dense = np.full(size, self.data.defaults.get(name, np.nan))
            dense[_flat_positions(list(table), sets)] = np.fromiter(
                table.values(), dtype=np.float64, count=len(table)
            )
        self._dense[name] = dense
        return dense


def _flat_positions(keys: list[Any], sets: list[SetIndex]) -> np.ndarray:
    """Positions of (flattened) table keys in the product of their index sets."""
    if len(sets) == 1 and len(keys) == sets[0].size and keys == sets[0].members:
        return np.arange(
            len(keys), dtype=np.int64
        )  # a list over one set (of pairs, say), in its order
    if all(s.width == 1 for s in sets) and len(keys) == math.prod(s.size for s in sets):
        # A complete table read in the sets' order (a matrix, a list, nested in order): compared at C speed.
        product = (
            sets[0].members
            if len(sets) == 1
            else list(itertools.product(*(s.members for s in sets)))
        )
        if keys == product:
            return np.arange(len(keys), dtype=np.int64)
    if len(sets) == 1 and sets[0].width == 1:
        columns: list[Any] = [keys]
    else:
        columns = (
            list(zip(*keys, strict=True))
            if keys
            else [[] for _ in range(sum(s.width for s in sets))]
        )
    position = np.zeros(len(keys), dtype=np.int64)
    at = 0
    for index in sets:
        width = index.width
        parts = columns[at] if width == 1 else list(zip(*columns[at : at + width], strict=True))
        at += width
        codes = {m: c for c, m in enumerate(index.members)}
        position = position * index.size + np.fromiter(
            map(codes.__getitem__, parts), dtype=np.int64, count=len(keys)
        )
    return position


def expand(
    frame: Frame,
    targets: tuple[str, ...],
    set_index: SetIndex,
    set_name: str,
    clause: int,
    rows: np.ndarray | None = None,
    member_codes: np.ndarray | None = None,
) -> Frame:
    """Every row of ``frame`` crossed with every member of the set (or the given row/member pairs)."""
    if rows is None or member_codes is None:
        total = frame.size * set_index.size
        if total > MAX_ROWS:
            raise NotVectorizable(f"{total} index combinations")
        rows = np.repeat(np.arange(frame.size, dtype=np.int64), set_index.size)
        member_codes = np.tile(np.arange(set_index.size, dtype=np.int64), frame.size)
    names = {
        n: Bound(b.set_name, b.codes[rows], b.component, b.clause) for n, b in frame.names.items()
    }
    if len(targets) == 1:
        names[targets[0]] = Bound(set_name, member_codes, None, clause)
    else:
        if set_index.size and not set_index.unpacks_into(len(targets)):
            raise NotVectorizable(f"cannot unpack the members of {set_name}")
        for k, target in enumerate(targets):
            names[target] = Bound(set_name, member_codes, k, clause)
    return Frame(len(rows), names, rows)
