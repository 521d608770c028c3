"""The record that maps Pyomo components back to a Formulation's own names.

It sits outside both ``modeling`` (which builds it) and ``solvers`` (which reads it) so neither imports the other.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

#: A name and an index key: ``("x", (1, "A"))``; the key is ``None`` for a scalar component, the member itself
#: for a one-dimensional index and a tuple for several dimensions (Pyomo's convention).
Symbol = tuple[str, Hashable | None]


@dataclass(frozen=True)
class SymbolMap:
    """Pyomo component data (``VarData`` / ``ConstraintData``) -> the Formulation's name and index.

    Build both maps as ``pyomo.common.collections.ComponentMap``: comparing Pyomo components with ``==``
    builds an expression, so they cannot be keys of a plain dict.
    """

    variables: Mapping[Any, Symbol] = field(default_factory=dict)
    constraints: Mapping[Any, Symbol] = field(default_factory=dict)


def format_symbol(symbol: Symbol) -> str:
    """``("x", (1, "A"))`` -> ``x[1,A]``; ``("z", None)`` -> ``z``."""
    name, key = symbol
    if key is None:
        return name
    parts = key if isinstance(key, tuple) else (key,)
    return f"{name}[{','.join(str(p) for p in parts)}]"


class SelfSymbols(Mapping[Any, Symbol]):
    """The symbol map of a model whose columns and rows *are* their symbols (the matrix fast path's
    :class:`~optmodel.standard_form.StandardForm`): every symbol maps to itself, without a 500k-entry dict."""

    def __getitem__(self, key: Any) -> Symbol:
        if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str):
            return key
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        return (
            key if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str) else default
        )

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0


class SymbolBlocks(Sequence[Symbol]):
    """The columns (or rows) of the matrix fast path, named block by block without one tuple per entry.

    Each block is one name and its keys in order (``[None]`` for a scalar). Keys within a block are distinct
    (they are a variable's index or a constraint's domain). Reading results block by block (see
    :func:`~optmodel.standard_form.labels.by_symbols`) maps 500k values back to names without a Python loop.
    """

    def __init__(self, blocks: Sequence[tuple[str, Sequence[Hashable | None]]]) -> None:
        self.blocks = [(name, keys) for name, keys in blocks if len(keys)]
        self._starts = list(itertools.accumulate((len(k) for _, k in self.blocks), initial=0))

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, i: int) -> Symbol: ...

    @overload
    def __getitem__(self, i: slice) -> list[Symbol]: ...

    def __getitem__(self, i: int | slice) -> Symbol | list[Symbol]:
        if isinstance(i, slice):
            return list(self)[i]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        block = bisect.bisect_right(self._starts, i) - 1
        name, keys = self.blocks[block]
        return name, keys[i - self._starts[block]]

    def __iter__(self) -> Iterator[Symbol]:
        for name, keys in self.blocks:
            yield from zip(itertools.repeat(name), keys)

    def spans(self) -> Iterator[tuple[str, Sequence[Hashable | None], int]]:
        """``(name, keys, first position)`` per block, in order."""
        for (name, keys), start in zip(self.blocks, self._starts, strict=False):
            yield name, keys, start
