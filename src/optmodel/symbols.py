"""The record that maps Pyomo components back to a Formulation's own names.

It sits outside both ``modeling`` (which builds it) and ``solvers`` (which reads it) so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

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
