"""Names for columns and rows: the Formulation's own names through a SymbolMap, else Pyomo's.

Solutions come back as ``{"x": {(1, "A"): 3.0}, "z": 7.0}``; conflicts and runaway variables as
``format_symbol`` strings (``x[1,A]``); files get LP/MPS-safe versions of the same (``x(1,A)``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from operator import itemgetter
from typing import Any

import numpy as np

from optmodel.symbols import SelfSymbols, Symbol, SymbolBlocks, SymbolMap, format_symbol

#: Integer columns this close to an integer are reported as that integer.
INTEGER_SNAP = 1e-6

# CPLEX-LP name characters; square brackets are LP syntax for quadratic terms, so they become parentheses.
_UNSAFE = re.compile(r"[^A-Za-z0-9!\"#$%&()/,.;?@_`'{}|~]")


def pyomo_symbol(data: Any) -> Symbol:
    """``(component name, index)`` of a Pyomo VarData/ConstraintData; the index is None for scalars."""
    return data.parent_component().name, data.index()


def variable_symbol(var: Any, symbols: SymbolMap | None) -> Symbol | None:
    """The variable's Formulation symbol; None when a SymbolMap is given but does not know it (auxiliary)."""
    if symbols is None:
        return pyomo_symbol(var)
    return symbols.variables.get(var)


def constraint_symbol(con: Any, symbols: SymbolMap | None) -> Symbol | None:
    """The constraint's Formulation symbol; None when a SymbolMap is given but does not know it (auxiliary)."""
    if symbols is None:
        return pyomo_symbol(con)
    return symbols.constraints.get(con)


def by_symbol(pairs: Iterable[tuple[Symbol | None, Any]]) -> dict[str, Any]:
    """``{name: value}`` for scalars and ``{name: {key: value}}`` for indexed symbols; None symbols are skipped."""
    keyed: dict[str, Any] = {}
    for symbol, value in pairs:
        if symbol is None:
            continue
        name, key = symbol
        if key is None:
            keyed[name] = value
        else:
            entry = keyed.setdefault(name, {})
            if isinstance(entry, dict):
                entry[key] = value
    return keyed


def variable_label(var: Any, symbols: SymbolMap | None) -> str:
    """``x[1,A]`` from the SymbolMap, else the Pyomo name."""
    symbol = symbols.variables.get(var) if symbols is not None else None
    return format_symbol(symbol) if symbol is not None else str(var.name)


def constraint_label(con: Any, symbols: SymbolMap | None) -> str:
    """``capacity[A]`` from the SymbolMap, else the Pyomo name."""
    symbol = symbols.constraints.get(con) if symbols is not None else None
    return format_symbol(symbol) if symbol is not None else str(con.name)


def solution_values(
    variables: Sequence[Any],
    values: Sequence[float] | np.ndarray,
    fixed: Mapping[Any, float],
    symbols: SymbolMap | None,
    integer: np.ndarray | None = None,
    column_symbols: Sequence[Symbol | None] | None = None,
) -> dict[str, float | Mapping[Hashable, float]]:
    """Column values (and fixed variables) keyed by symbol; scalars map to a float, indexed to ``{key: v}``.

    Integer columns (``integer`` mask) within 1e-6 of an integer are snapped to it. With a SymbolMap,
    variables it does not name (auxiliaries added by a compiler) are left out. ``column_symbols`` (one per
    column) saves naming the columns again when the caller has named them already.
    """
    column_values = np.asarray(values, dtype=np.float64).copy()
    if integer is not None and len(column_values):
        snap = integer & (np.abs(column_values - np.round(column_values)) <= INTEGER_SNAP)
        column_values[snap] = np.round(column_values[snap])
    column_values += 0.0  # -0.0 -> 0.0
    if symbols is not None and isinstance(symbols.variables, SelfSymbols):
        column_symbols = variables  # the matrix fast path's columns are their own symbols
    if column_symbols is None:
        column_symbols = [variable_symbol(var, symbols) for var in variables]
    if not fixed:
        return by_symbols(column_symbols, column_values)
    pairs: Iterable[tuple[Symbol | None, float]] = [
        *zip(column_symbols, column_values.tolist(), strict=True),
        *((variable_symbol(var, symbols), value) for var, value in fixed.items()),
    ]
    return by_symbol((symbol, float(value)) for symbol, value in pairs)


def by_symbols(symbols: Sequence[Any], values: Sequence[Any] | np.ndarray) -> dict[str, Any]:
    """:func:`by_symbol` over parallel lists, at C speed when each name's entries are contiguous (the usual
    layout: a variable's columns, a constraint's rows, in order) and there are few names.

    Symbols named block by block (:class:`SymbolBlocks`, the matrix fast path) give each indexed name a
    :class:`KeyedValues` over its slice of ``values``: no per-entry work until an entry is looked up.
    """
    if isinstance(symbols, SymbolBlocks):
        return _by_blocks(symbols, values)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    names = list(map(itemgetter(0), symbols)) if None not in symbols else []
    distinct = list(dict.fromkeys(names))
    if not names or len(distinct) > 256:
        return by_symbol(zip(symbols, values, strict=True))
    keys = list(map(itemgetter(1), symbols))
    keyed: dict[str, Any] = {}
    for name in distinct:
        first, count = names.index(name), names.count(name)
        end = first + count
        if names[first:end].count(name) != count:  # interleaved: the general path
            return by_symbol(zip(symbols, values, strict=True))
        if keys[first] is None:
            keyed[name] = values[end - 1]  # as by_symbol: the last one wins
        else:
            keyed[name] = dict(zip(keys[first:end], values[first:end], strict=True))
    return keyed


def _by_blocks(symbols: SymbolBlocks, values: Sequence[Any] | np.ndarray) -> dict[str, Any]:
    spans = list(symbols.spans())
    names = [name for name, _, _ in spans]
    if len(set(names)) < len(names):  # a name in several blocks (a chain's links): last one wins
        return by_symbols(list(symbols), values)
    keyed: dict[str, Any] = {}
    for name, keys, start in spans:
        part = values[start : start + len(keys)]
        if keys[0] is None:
            last = part[-1]
            keyed[name] = last.item() if isinstance(last, np.generic) else last
        else:
            keyed[name] = KeyedValues(keys, part)
    return keyed


class KeyedValues(Mapping[Hashable, Any]):
    """``{key: value}`` over parallel keys and values (distinct keys), read-only, built into a dict only
    when an entry is looked up by key: iterating, ``len`` and ``items()`` need no hashing at all.

    Values held in a numpy array come out as Python numbers, as from a dict of ``tolist()``.
    """

    __slots__ = ("_dict", "_keys", "_values")

    def __init__(self, keys: Sequence[Hashable], values: Sequence[Any] | np.ndarray) -> None:
        if len(keys) != len(values):
            raise ValueError(f"{len(keys)} keys for {len(values)} values")
        self._keys = keys
        self._values = values
        self._dict: dict[Hashable, Any] | None = None

    def _lookup(self) -> dict[Hashable, Any]:
        if self._dict is None:
            self._dict = dict(zip(self._keys, self._list(), strict=True))
        return self._dict

    def _list(self) -> Sequence[Any]:
        values = self._values
        return values.tolist() if isinstance(values, np.ndarray) else values

    def __getitem__(self, key: Hashable) -> Any:
        return self._lookup()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._lookup()

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def items(self) -> ItemsView[Hashable, Any]:
        return _Items(self)

    def values(self) -> ValuesView[Any]:
        return _Values(self)

    def array(self, keys: Sequence[Hashable]) -> np.ndarray | None:
        """The values as float64, in order, when this mapping's keys are ``keys`` (the same list); else None."""
        if self._keys is not keys:
            return None
        return np.asarray(self._values, dtype=np.float64)

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return KeyedValues, (self._keys, self._values)


class _Items(ItemsView[Hashable, Any]):
    _mapping: KeyedValues

    def __iter__(self) -> Iterator[tuple[Hashable, Any]]:
        mapping = self._mapping
        return zip(mapping._keys, mapping._list(), strict=True)


class _Values(ValuesView[Any]):
    _mapping: KeyedValues

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping._list())


def file_safe_names(labels: Iterable[str], prefix: str) -> list[str]:
    """LP/MPS-legal, unique versions of ``labels`` (``x[1,A]`` -> ``x(1,A)``)."""
    names: list[str] = []
    seen: set[str] = set()
    for label in labels:
        name = _UNSAFE.sub("_", label.replace("[", "(").replace("]", ")"))
        # LP readers take a leading digit, '.' or 'e1'/'ee' as the start of a number.
        looks_numeric = (
            name[:1].isdigit() or name[:1] == "." or bool(re.match(r"[eE][0-9eE]", name))
        )
        if not name or looks_numeric:
            name = f"{prefix}_{name}"
        candidate, suffix = name, 1
        while candidate in seen:
            suffix += 1
            candidate = f"{name}_{suffix}"
        seen.add(candidate)
        names.append(candidate)
    return names
