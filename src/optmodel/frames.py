"""Solution-shaped mappings (``{name: number | {key: number}}``) as pandas objects.

pandas is imported here, on first use, so ``import optmodel`` stays fast.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from optmodel.solvers.base import entry_at

if TYPE_CHECKING:
    import pandas as pd


def as_pandas(
    entry: Any, name: str, index_names: Sequence[str] | None = None
) -> float | pd.Series | pd.DataFrame:
    """One variable's (or constraint's) entries: a float when scalar, a Series indexed by members for one
    dimension, a DataFrame (first set down, second across, absent pairs NaN) for two, and a Series with
    a MultiIndex for more."""
    import pandas as pd

    if not isinstance(entry, Mapping):
        return float(entry)
    keys = list(entry)
    values = [float(v) for v in entry.values()]
    width = len(keys[0]) if keys and isinstance(keys[0], tuple) else 1
    names = list(index_names) if index_names and len(index_names) == width else None
    if width == 1:
        return pd.Series(values, index=pd.Index(keys, name=names[0] if names else None), name=name)
    index = pd.MultiIndex.from_tuples(keys, names=names)
    series = pd.Series(values, index=index, name=name)
    if width == 2:
        frame = series.unstack(sort=False)
        frame.columns.name = names[1] if names else None
        return frame
    return series


def long_frame(columns: Mapping[str, Mapping[str, Any]], label: str) -> pd.DataFrame:
    """One row per entry of the first mapping in ``columns``: ``label`` (the name), ``index`` (the key,
    None for scalars) and one column per mapping; pairs (ranges) become ``<column>_low``/``_high``."""
    import pandas as pd

    first = next(iter(columns.values()), {})
    rows: list[dict[str, Any]] = []
    for name, entry in first.items():
        keys: list[Hashable | None] = list(entry) if isinstance(entry, Mapping) else [None]
        for key in keys:
            row: dict[str, Any] = {label: name, "index": key}
            for column, values in columns.items():
                value = entry_at(values, name, key)
                if isinstance(value, tuple):
                    row[f"{column}_low"], row[f"{column}_high"] = value
                else:
                    row[column] = value
            rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else [label, "index", *columns])
