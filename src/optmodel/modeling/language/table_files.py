"""Parameter tables read from CSV or Parquet files named in the Formulation.

``{"index": ["PLANTS", "MARKETS"], "table": {"file": "distance.csv", "columns": ["plant", "market", "km"]}}``:
the first columns name the set members (one per index set), the last one holds the values; the path is
relative to the model file (or the working directory for a model given in Python). The table becomes the
parameter's ``values`` when the model is loaded, so every data check applies, and a bad cell is reported
with its file, line and column. Files are read only when a person loads a model, never for one an LLM wrote.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from optmodel.errors import MissingExtraError
from optmodel.modeling.language.issues import Issue, IssueCode

#: Data files larger than this are refused (loading is bounded work).
MAX_TABLE_BYTES = 512 * 1024 * 1024
_HINT = 'e.g. "table": {"file": "cost.csv", "columns": ["plant", "market", "cost"]}'


def read_table_files(document: Any, base_dir: Path | None) -> tuple[Any, list[Issue]]:
    """``document`` with each parameter's ``table`` replaced by the ``values`` read from its file.

    ``base_dir`` None (a model an LLM wrote) refuses every file. A table that cannot be read is dropped
    from the document and reported.
    """
    parameters = document.get("parameters") if isinstance(document, Mapping) else None
    if not isinstance(parameters, Mapping) or not any(
        isinstance(p, Mapping) and "table" in p for p in parameters.values()
    ):
        return document, []
    issues: list[Issue] = []
    resolved = dict(parameters)
    for name, param in parameters.items():
        if not isinstance(param, Mapping) or "table" not in param:
            continue
        path = f"parameters.{name}.table"
        resolved[name] = {k: v for k, v in param.items() if k != "table"}
        if base_dir is None:
            issues.append(
                Issue(
                    path,
                    IssueCode.UNSUPPORTED,
                    "data files are read only for models loaded from a file or from Python",
                    "write the values into the model",
                )
            )
            continue
        values = _read(param, base_dir, path, issues)
        if values is not None:
            resolved[name] = {**resolved[name], "values": values}
    return {**document, "parameters": resolved}, issues


def _read(
    param: Mapping[str, Any], base_dir: Path, path: str, issues: list[Issue]
) -> dict[Any, Any] | None:
    spec = param["table"]
    index = param.get("index")
    columns = spec.get("columns") if isinstance(spec, Mapping) else None
    file = spec.get("file") if isinstance(spec, Mapping) else None
    if not isinstance(file, str) or not isinstance(columns, list) or not columns:
        issues.append(Issue(path, IssueCode.SCHEMA, "a table needs 'file' and 'columns'", _HINT))
        return None
    if not isinstance(index, list) or len(columns) != len(index) + 1:
        width = len(index) if isinstance(index, list) else "?"
        issues.append(
            Issue(
                path,
                IssueCode.SCHEMA,
                f"'columns' names {len(columns)} column(s); the {width} index set(s) need one key column "
                "each, then the value column",
                _HINT,
            )
        )
        return None
    source = (base_dir / file).expanduser()
    frame = _frame(source, [str(c) for c in columns], path, issues)
    if frame is None:
        return None
    return _table(frame, source, [str(c) for c in columns], path, issues)


def _frame(source: Path, columns: list[str], path: str, issues: list[Issue]) -> Any:
    import pandas as pd

    suffix = source.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        issues.append(
            Issue(path, IssueCode.SCHEMA, f"{source.name}: not a .csv or .parquet file", _HINT)
        )
        return None
    try:
        size = source.stat().st_size
    except OSError as exc:
        issues.append(Issue(path, IssueCode.MISSING_DATA, f"cannot read {source}: {exc.strerror}"))
        return None
    if size > MAX_TABLE_BYTES:
        issues.append(
            Issue(path, IssueCode.TOO_LARGE, f"{source} has {size} bytes (limit {MAX_TABLE_BYTES})")
        )
        return None
    try:
        if suffix == ".csv":
            # Cells stay text: members such as "007" keep their zeros, numbers are parsed below.
            frame = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
        else:
            _require_pyarrow()
            frame = pd.read_parquet(source)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        issues.append(Issue(path, IssueCode.SCHEMA, f"cannot read {source}: {exc}"))
        return None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        issues.append(
            Issue(
                path,
                IssueCode.SCHEMA,
                f"{source.name} has no column(s) {', '.join(map(repr, missing))}; "
                f"its columns: {', '.join(map(str, frame.columns))}",
                "name the file's key columns and its value column in 'columns'",
            )
        )
        return None
    return frame[columns]


def _table(
    frame: Any, source: Path, columns: list[str], path: str, issues: list[Issue]
) -> dict[Any, Any]:
    *keys, value_column = columns
    table: dict[Any, Any] = {}
    first_line: dict[tuple[Any, ...], int] = {}
    # CSV line numbers count the header; Parquet rows count from 1.
    offset = 2 if source.suffix.lower() == ".csv" else 1
    for position, row in enumerate(frame.itertuples(index=False, name=None)):
        line = position + offset
        members = tuple(_member(cell) for cell in row[:-1])
        where = f"{source.name} line {line} ({', '.join(f'{k}={m}' for k, m in zip(keys, members, strict=True))})"
        cell = row[-1]
        if _blank(cell):
            continue  # an absent entry: the default, or the missing-entry check, applies
        number = _number(cell)
        if number is None:
            issues.append(
                Issue(
                    path,
                    IssueCode.NON_NUMERIC,
                    f"{where}, column '{value_column}': expected a number, got {cell!r}",
                    "write a plain number (no units, no thousands separators)",
                )
            )
            continue
        if members in first_line:
            issues.append(
                Issue(
                    path,
                    IssueCode.SCHEMA,
                    f"{where}: the same members as line {first_line[members]}",
                    "give each combination of members one row",
                )
            )
            continue
        first_line[members] = line
        level = table
        for member in members[:-1]:
            level = level.setdefault(member, {})
        level[members[-1]] = number
    return table


def _member(cell: Any) -> Any:
    if hasattr(cell, "item"):
        cell = cell.item()
    return cell.strip() if isinstance(cell, str) else cell


def _blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    return isinstance(cell, float) and math.isnan(cell)


def _number(cell: Any) -> float | None:
    if hasattr(cell, "item"):
        cell = cell.item()
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    try:
        number = float(str(cell).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("pyarrow", "parquet", "Parquet tables") from exc
