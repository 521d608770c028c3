"""A set of integers, or of equal-width tuples of integers, as one int64 array.

A network's half a million arcs are pairs of node numbers: with the members as an array, telling whether they
are distinct, finding a member's position and grouping members by a component's value are array operations,
not one hashed Python tuple per member. Anything else (text, mixed kinds, huge numbers) has no array and keeps
the hash table.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

#: Look-ups answered by binary search before the set builds its hash table after all (a caller that looks up
#: every member, as the Pyomo compiler does, is faster with the table).
SEARCHES_BEFORE_TABLE = 50_000


class IntegerMembers:
    """The members as an ``(n, width)`` int64 array, with an order-preserving code per member for look-ups."""

    def __init__(self, array: np.ndarray, tuples: bool) -> None:
        self.array = array
        #: Members are tuples (else plain integers; width 1).
        self.tuples = tuples
        self.width = int(array.shape[1])
        self.searches = 0
        empty = not len(array)
        self._low: list[int] = [0] * self.width if empty else array.min(axis=0).tolist()
        self._high: list[int] = [-1] * self.width if empty else array.max(axis=0).tolist()
        spans = [h - lo + 1 for lo, h in zip(self._low, self._high, strict=True)]
        self._strides: list[int] | None = None
        if math.prod(spans) < 2**62:  # codes fit in int64 (Python ints: no overflow in the check)
            strides = [1] * self.width
            for k in range(self.width - 2, -1, -1):
                strides[k] = strides[k + 1] * spans[k + 1]
            self._strides = strides
        self._codes: np.ndarray | None = None
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._by_value: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def of(members: list[Any]) -> IntegerMembers | None:
        """The array of ``members``; None when they are not all ``int`` (bools, floats and text are not),
        or not all tuples of one width of ``int``, or too large for int64."""
        if not members:
            return None
        kinds = set(map(type, members))
        try:
            if kinds == {int}:
                array = np.fromiter(members, dtype=np.int64, count=len(members))
                return IntegerMembers(array.reshape(-1, 1), tuples=False)
            if kinds != {tuple}:
                return None
            if set(map(type, itertools.chain.from_iterable(members))) != {int}:
                return None
        except OverflowError:
            return None
        return IntegerMembers.of_integer_tuples(members)

    @staticmethod
    def of_integer_tuples(members: list[tuple[int, ...]]) -> IntegerMembers | None:
        """:meth:`of` for members the caller has seen to be tuples of ``int`` (one scan of the parts, not
        two, for a set of half a million arcs); None when their widths differ or they are too large."""
        widths = set(map(len, members))
        if not members or len(widths) != 1 or 0 in widths:
            return None
        (width,) = widths
        flat = itertools.chain.from_iterable(members)
        try:
            array = np.fromiter(flat, dtype=np.int64, count=width * len(members))
        except OverflowError:
            return None
        return IntegerMembers(array.reshape(-1, width), tuples=True)

    def codes(self) -> np.ndarray | None:
        """One int64 per member, in the members' (lexicographic) order; None when they would not fit."""
        if self._codes is None and self._strides is not None:
            codes = np.zeros(len(self.array), dtype=np.int64)
            for k, stride in enumerate(self._strides):
                codes += (self.array[:, k] - self._low[k]) * stride
            self._codes = codes
        return self._codes

    def distinct(self) -> bool | None:
        """Whether no member is listed twice; None when the codes do not fit (the caller hashes instead)."""
        codes = self.codes()
        if codes is None:
            return None
        if len(codes) < 2 or bool((codes[1:] > codes[:-1]).all()):  # in order: distinct, no sort
            return True
        _, ordered = self._ordered()
        return not bool((ordered[1:] == ordered[:-1]).any())

    def position(self, value: Any) -> int | None:
        """The position of ``value`` (-1 when it is not a member); None when a hash table must answer: a
        value with parts other than ``int`` and ``str`` (1.0 and True equal 1 there; a list raises), codes
        that do not fit, or enough searches made that building the table pays."""
        self.searches += 1
        strides = self._strides
        if strides is None or self.searches > SEARCHES_BEFORE_TABLE:
            return None
        is_tuple = type(value) is tuple
        parts = value if is_tuple else (value,)
        missing = is_tuple != self.tuples or len(parts) != self.width
        code = 0
        for k, part in enumerate(parts):
            kind = type(part)
            if kind is not int:
                if kind is not str:
                    return None
                missing = True  # text never equals a number
            elif not missing:
                if not self._low[k] <= part <= self._high[k]:
                    missing = True
                else:
                    code += (part - self._low[k]) * strides[k]
        if missing:
            return -1
        order, ordered = self._ordered()
        at = int(ordered.searchsorted(code))
        if at < len(ordered) and int(ordered[at]) == code:
            return int(order[at])
        return -1

    def by_value(self, component: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions in a stable order of component ``component``'s values, and the values in that order."""
        cached = self._by_value.get(component)
        if cached is None:
            values = self.array[:, component]
            order = np.argsort(values, kind="stable")
            cached = self._by_value[component] = order, values[order]
        return cached

    def _ordered(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sorted is None:
            codes = self.codes()
            assert codes is not None
            if len(codes) < 2 or bool((codes[1:] > codes[:-1]).all()):
                self._sorted = np.arange(len(codes), dtype=np.int64), codes
            else:
                order = np.argsort(codes, kind="stable")
                self._sorted = order, codes[order]
        return self._sorted
