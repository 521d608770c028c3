"""Names for columns and rows: the Formulation's own names through a SymbolMap, else Pyomo's.

Solutions come back as ``{"x": {(1, "A"): 3.0}, "z": 7.0}``; conflicts and runaway variables as
``format_symbol`` strings (``x[1,A]``); files get LP/MPS-safe versions of the same (``x(1,A)``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from optmodel.symbols import SelfSymbols, Symbol, SymbolMap, format_symbol

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
) -> dict[str, float | dict[Hashable, float]]:
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
        column_symbols = list(variables)  # the matrix fast path's columns are their own symbols
    if column_symbols is None:
        column_symbols = [variable_symbol(var, symbols) for var in variables]
    if not fixed:
        return by_symbols(column_symbols, column_values.tolist())
    pairs: Iterable[tuple[Symbol | None, float]] = [
        *zip(column_symbols, column_values.tolist(), strict=True),
        *((variable_symbol(var, symbols), value) for var, value in fixed.items()),
    ]
    return by_symbol((symbol, float(value)) for symbol, value in pairs)


def by_symbols(symbols: Sequence[Any], values: Sequence[Any]) -> dict[str, Any]:
    """:func:`by_symbol` over parallel lists, at C speed when each name's entries are contiguous (the usual
    layout: a variable's columns, a constraint's rows, in order) and there are few names."""
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
