"""The keys of a variable indexed over plain sets, as the product of their members, made on demand.

A 700 x 700 variable has 490k keys ``("s1", "c2")``. Built up front they cost the build a pass over the
product, and every one is a tuple the garbage collector then scans; the matrix fast path needs only their
number and order, and the answer needs them only when someone looks values up by key.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, overload


class ProductKeys(Sequence[tuple[Any, ...]]):
    """``tuple(itertools.product(*member_lists))`` as a read-only sequence that makes each key when read.

    Equal to any sequence with the same keys in the same order (a tuple of them included).
    """

    __slots__ = ("_len", "_lists", "_strides")

    def __init__(self, member_lists: Sequence[Sequence[Any]]) -> None:
        self._lists = tuple(tuple(m) for m in member_lists)  # a copy: the keys never change
        self._len = math.prod(len(m) for m in self._lists)
        strides = [1] * len(self._lists)
        for k in range(len(self._lists) - 2, -1, -1):
            strides[k] = strides[k + 1] * len(self._lists[k + 1])
        self._strides = tuple(strides)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return itertools.product(*self._lists)

    @overload
    def __getitem__(self, i: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[Any, ...], ...]: ...

    def __getitem__(self, i: int | slice) -> tuple[Any, ...] | tuple[tuple[Any, ...], ...]:
        if isinstance(i, slice):
            return tuple(self._at(j) for j in range(*i.indices(self._len)))
        if not -self._len <= i < self._len:
            raise IndexError(i)
        return self._at(i % self._len)

    def _at(self, position: int) -> tuple[Any, ...]:
        return tuple(
            members[(position // stride) % len(members)]
            for members, stride in zip(self._lists, self._strides, strict=True)
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ProductKeys):
            return self._lists == other._lists
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self._len and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"ProductKeys({len(self._lists)} sets, {self._len} keys)"
