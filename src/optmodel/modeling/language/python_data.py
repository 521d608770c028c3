"""pandas and numpy objects in a Formulation document, turned into the plain data the Formulation holds.

- A set may be a pandas ``Index`` (its members; a MultiIndex gives tuples), a ``Series`` (its values) or a
  numpy array.
- A parameter's ``values`` may be a ``Series`` (index levels -> set members), a one-column ``DataFrame``
  (the same), a several-column ``DataFrame`` (rows -> members of the first set(s), columns -> members of the
  last) or a numpy array aligned with the declared sets (a 2-D array is a matrix). A ``Series`` given as the
  whole parameter takes its index names as the parameter's sets.
- numpy scalars anywhere are numbers. Missing cells (NaN) are absent entries, so a parameter's ``default``
  or the missing-entry check applies, with the member names in the path.

Nothing here imports pandas: objects are recognised by their type's module, so ``import optmodel`` stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def plain_document(document: Any) -> Any:
    """``document`` with every pandas/numpy object replaced by lists, dicts and Python scalars."""
    if not isinstance(document, Mapping) or not _has_foreign(document):
        return document
    result = dict(document)
    sets = result.get("sets")
    if isinstance(sets, Mapping):
        result["sets"] = {name: _set(value) for name, value in sets.items()}
    parameters = result.get("parameters")
    if isinstance(parameters, Mapping):
        result["parameters"] = {name: _parameter(value) for name, value in parameters.items()}
    return _plain(result)


def _has_foreign(value: Any, depth: int = 0) -> bool:
    if _kind(value):
        return True
    if depth > 6:
        return False
    if isinstance(value, Mapping):
        return any(_has_foreign(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_foreign(v, depth + 1) for v in value[:50])
    return False


def _kind(value: Any) -> str:
    """'numpy', 'Series', 'DataFrame', 'Index' or '' for anything else."""
    module = type(value).__module__
    if module.startswith("numpy"):
        return "numpy"
    if module.startswith("pandas"):
        for cls in type(value).__mro__:
            if cls.__name__ in ("Series", "DataFrame", "Index"):
                return cls.__name__
        return "pandas"
    return ""


def _set(value: Any) -> Any:
    kind = _kind(value)
    members = value
    if isinstance(value, Mapping) and _kind(value.get("members")):
        return {**value, "members": _set(value["members"])}
    if kind in ("Index", "Series") or (kind == "numpy" and hasattr(value, "tolist")):
        members = value.tolist()
    return _plain(members) if kind else value


def _parameter(value: Any) -> Any:
    kind = _kind(value)
    if kind == "Series":
        names = [n for n in value.index.names if n is not None]
        return _plain(
            {"index": names if len(names) == value.index.nlevels else [], "values": value}
        )
    if kind == "numpy" and getattr(value, "ndim", 1) == 0:
        return value.item()
    if not isinstance(value, Mapping):
        return value
    param = dict(value)
    table = param.get("values")
    if _kind(table) == "numpy" and getattr(table, "ndim", 0) == 2 and "layout" not in param:
        param["layout"] = "matrix"
    return param


def _plain(value: Any) -> Any:
    kind = _kind(value)
    if kind == "Series":
        return _nested(value)
    if kind == "DataFrame":
        if value.shape[1] == 1:
            return _nested(value.iloc[:, 0])
        return {_member(row): _nested(series) for row, series in value.iterrows()}
    if kind == "Index":
        return _plain(value.tolist())
    if kind == "numpy":
        return _plain(value.tolist()) if getattr(value, "ndim", 0) else value.item()
    if isinstance(value, Mapping):
        return {_member(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _nested(series: Any) -> dict[Any, Any]:
    """A Series as nested objects keyed by members (one level per index level); NaN entries left out."""
    table: dict[Any, Any] = {}
    for key, raw in series.items():
        cell = _plain(raw)
        if isinstance(cell, float) and math.isnan(cell):
            continue
        parts = key if isinstance(key, tuple) else (key,)
        level = table
        for part in parts[:-1]:
            level = level.setdefault(_member(part), {})
        level[_member(parts[-1])] = cell
    return table


def _member(key: Any) -> Any:
    if _kind(key) == "numpy":
        return key.item()
    if isinstance(key, tuple):
        return tuple(_member(k) for k in key)
    return key
