"""The resolved data of a Formulation: concrete sets, parameter tables, named expressions over their index.

Built once by :func:`~optmodel.modeling.elaborate.data.resolve_data`; every evaluator (validation, the Pyomo compiler,
the solution checker) reads the same object.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from optmodel.modeling.elaborate.expansions import Expansions
from optmodel.modeling.elaborate.integer_members import IntegerMembers
from optmodel.modeling.language import expressions as ex

Member = int | str | tuple[int | str, ...]
Key = Hashable


class EvaluationError(Exception):
    """An expression cannot be evaluated with the data at hand (unknown name, missing entry, ...)."""

    def __init__(self, message: str, hint: str = "", code: str = "evaluation") -> None:
        self.hint = hint
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class NamedExpression:
    """A named expression of the variables over its resolved index: ``envs[key]`` binds its index names."""

    name: str
    tree: ex.Node
    domain: str
    envs: dict[Key, dict[str, Any]]

    @property
    def indexed(self) -> bool:
        return bool(self.domain.strip())


@dataclass(frozen=True)
class PiecewiseData:
    """A piecewise-linear function over its resolved index: breakpoints and values per key."""

    name: str
    of: ex.Node
    domain: str
    envs: dict[Key, dict[str, Any]]
    points: dict[Key, list[float]]
    values: dict[Key, list[float]]

    @property
    def indexed(self) -> bool:
        return bool(self.domain.strip())

    def at(self, key: Key, x: float) -> float:
        """The function's value at ``x``; EvaluationError outside its breakpoints."""
        points, values = self.points[key], self.values[key]
        if not points[0] - 1e-9 <= x <= points[-1] + 1e-9:
            raise EvaluationError(
                f"{self.name} is defined on [{points[0]:g}, {points[-1]:g}], not at {x:g}",
                "extend its points, or bound its argument",
            )
        k = min(max(bisect.bisect_right(points, x) - 1, 0), len(points) - 2)
        share = (x - points[k]) / (points[k + 1] - points[k])
        return values[k] + share * (values[k + 1] - values[k])

    def curvature(self, key: Key) -> int:
        """1 when convex (slopes never decrease), -1 when concave (never increase), else 0.

        Read exactly as Pyomo's ``Piecewise`` reads it, so the form chosen here is the form it builds.
        """
        p, v = self.points[key], self.values[key]
        slopes = [(v[k + 1] - v[k]) / (p[k + 1] - p[k]) for k in range(len(p) - 1)]
        steps = list(itertools.pairwise(slopes))
        if all(a <= b for a, b in steps):
            return 1
        return -1 if all(a >= b for a, b in steps) else 0


@dataclass
class ModelData:
    """Concrete sets and parameters of a Formulation, in declaration order."""

    sets: dict[str, list[Member]] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    #: Parameter tables: a dict, or a :class:`~optmodel.modeling.elaborate.tables.DenseTable` for a complete list/matrix.
    tables: dict[str, Mapping[Key, float]] = field(default_factory=dict)
    table_index: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, float] = field(default_factory=dict)
    expressions: dict[str, NamedExpression] = field(default_factory=dict)
    piecewise: dict[str, PiecewiseData] = field(default_factory=dict)
    #: Set families: name -> index member -> members (``sets[name]`` holds the union of the members).
    families: dict[str, dict[Member, list[Member]]] = field(default_factory=dict)
    #: Member -> position per set: one hash table answers both membership and position (built on first
    #: use for a set of integers, which answers by binary search first; see IntegerMembers).
    _positions: dict[str, dict[Member, int]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _integers: dict[str, IntegerMembers] = field(default_factory=dict, repr=False, compare=False)
    #: The elements' concrete instances, expanded once and shared by every stage that reads this data.
    expansions: Expansions = field(default_factory=Expansions, repr=False, compare=False)

    def add_set(
        self, name: str, members: list[Member], integers: IntegerMembers | None = None
    ) -> bool:
        """Add a set; False when some member is listed twice (it is kept once, where first listed).

        ``integers``: the members' array when the caller has built it already (see
        :func:`normalize_members_array`); else it is worked out here.
        """
        self._positions.pop(name, None)
        self._integers.pop(name, None)
        if integers is None:
            integers = IntegerMembers.of(members)
        if integers is not None and integers.distinct():
            self.sets[name] = members
            self._integers[name] = integers
            return True
        positions = dict(zip(members, range(len(members)), strict=True))
        distinct = len(positions) == len(members)
        if not distinct:
            members = list(dict.fromkeys(members))
            positions = dict(zip(members, range(len(members)), strict=True))
        self.sets[name] = members
        self._positions[name] = positions
        return distinct

    def integer_members(self, set_name: str) -> IntegerMembers | None:
        """The members of a (distinct) set of integers or integer tuples as an array; None for other sets."""
        return self._integers.get(set_name)

    def contains(self, set_name: str, value: Any) -> bool:
        position = self._searched(set_name, value)
        if position is not None:
            return position >= 0
        return value in self._table(set_name)

    def membership(self, set_name: str) -> Callable[[Any], bool]:
        """A test equivalent to ``lambda value: self.contains(set_name, value)`` that skips the dispatch for a
        set answered by its hash table (a probe asks it once per variable use)."""
        if self._integers.get(set_name) is None or set_name in self._positions:
            return self._table(set_name).__contains__
        return functools.partial(self.contains, set_name)

    def position(self, set_name: str, member: Any) -> int | None:
        """The 0-based position of ``member`` in the set as written, None when it is not a member."""
        position = self._searched(set_name, member)
        if position is not None:
            return position if position >= 0 else None
        try:
            return self._table(set_name).get(member)
        except TypeError:  # unhashable
            return None

    def _searched(self, set_name: str, value: Any) -> int | None:
        integers = self._integers.get(set_name)
        if integers is None or set_name in self._positions:
            return None
        return integers.position(value)

    def _table(self, set_name: str) -> dict[Member, int]:
        positions = self._positions.get(set_name)
        if positions is None:
            members = self.sets[set_name]
            positions = self._positions[set_name] = dict(
                zip(members, range(len(members)), strict=True)
            )
        return positions

    def family_members(self, name: str, key: Any) -> list[Member]:
        """The members of set family ``name`` at index member ``key`` (``NB[i]``)."""
        family = self.families.get(name)
        if family is None:
            raise EvaluationError(
                f"set '{name}' is not a set family and cannot be indexed",
                f"iterate over {name} itself",
                code="index-arity",
            )
        members = family.get(key)
        if members is None:
            raise EvaluationError(
                f"{key!r} is not in the index of set family '{name}'",
                f"'{name}' has members for: {', '.join(repr(k) for k in list(family)[:6])}",
                code="unknown-key",
            )
        return members

    def dimen(self, set_name: str) -> int:
        members = self.sets[set_name]
        if not members:
            return 1
        first = members[0]
        return len(first) if isinstance(first, tuple) else 1


_PLAIN = frozenset({int, str})


def normalize_member(value: Any) -> Member:
    """JSON members -> hashable members: lists become tuples, integral floats become ints."""
    kind = value.__class__
    if kind is int or kind is str:  # the common cases first: a set may have a million members
        return value
    if (kind is list or kind is tuple) and all(v.__class__ in _PLAIN for v in value):
        return tuple(value)
    if isinstance(value, list | tuple):
        return tuple(normalize_member(v) for v in value)  # type: ignore[misc]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    raise EvaluationError(f"a set member must be a string, a number or a list, not {value!r}")


def normalize_members_array(values: list[Any]) -> tuple[list[Member], IntegerMembers | None]:
    """:func:`normalize_member` of each value, plain ones (strings, integers, lists of them) in bulk; and the
    members' :class:`IntegerMembers` when the one scan of their parts found lists of ``int`` only (None: not
    known; :meth:`ModelData.add_set` works it out)."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return list(values), None
    if kinds == {list}:
        parts = set(map(type, itertools.chain.from_iterable(values)))
        if parts <= _PLAIN:
            members = list(map(tuple, values))
            integers = IntegerMembers.of_integer_tuples(members) if parts == {int} else None
            return members, integers  # type: ignore[return-value]
    return [normalize_member(v) for v in values], None


def as_key(values: tuple[Any, ...]) -> Key:
    """Pyomo's key convention: the member itself for one dimension, a flat tuple for several.

    Tuple members are flattened into the key (``((1, 2), "k")`` -> ``(1, 2, "k")``), as Pyomo and the
    parameter tables do, so ``cost[a, k]`` with ``a`` in a set of pairs finds its entry.
    """
    if len(values) == 1:
        return values[0]
    for value in values:
        if isinstance(value, tuple):
            flat: list[Any] = []
            for part in values:
                flat.extend(part if isinstance(part, tuple) else (part,))
            return tuple(flat)
    return tuple(values)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
