"""Pieces every source converter shares: the reader protocol, answer parsing, ids, provenance."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from optmodel.errors import DatasetError

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec

Record = dict[str, Any]

# Source strings that mean "no optimal solution exists" (README normalization rules).
_INFEASIBLE_MARKERS = frozenset(
    {"no best solution", "infeasible", "infeasible or unbounded", "unbounded"}
)
# SIRL's corrected MAMO files write -9999 for infeasible items; only SIRL uses this sentinel.
SIRL_INFEASIBLE_SENTINEL = -9999.0


class SourceReader(Protocol):
    """Reads upstream files by repository path (the fetcher's HTTP reader, or anything alike)."""

    def read(self, path: str) -> bytes:
        """The file's bytes; raises ``SourceNotFoundError`` if absent, ``DatasetError`` otherwise."""
        ...

    def read_many(self, paths: Sequence[str], *, optional: bool = False) -> list[bytes | None]:
        """Several files (concurrently); with ``optional`` an absent file gives None."""
        ...


class SourceNotFoundError(DatasetError):
    """An upstream file does not exist at the pinned commit (HTTP 404)."""


Converter = Callable[["DatasetSpec", SourceReader], list[Record]]


def parse_answer(
    value: Any, *, sirl_sentinel: bool = False
) -> tuple[float | None, str, str | None]:
    """Source answer -> (answer, answer_status, answer_raw).

    Numbers become floats; strings go through ``float()`` and keep their verbatim text as
    ``answer_raw``; "No Best Solution" / "infeasible" (and SIRL's -9999) mean infeasible; anything
    else unparseable, or null, is unknown.
    """
    if value is None or isinstance(value, bool):
        return None, "unknown", None
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return None, "unknown", None
        if sirl_sentinel and number == SIRL_INFEASIBLE_SENTINEL:
            return None, "infeasible", None
        return number, "optimal", None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _INFEASIBLE_MARKERS:
            return None, "infeasible", value
        try:
            number = float(text)
        except ValueError:
            return None, "unknown", value
        if sirl_sentinel and number == SIRL_INFEASIBLE_SENTINEL:
            return None, "infeasible", value
        if not math.isfinite(number):
            return None, "unknown", value
        return number, "optimal", value
    return None, "unknown", None


def answer_fields(value: Any, *, sirl_sentinel: bool = False) -> Record:
    """``answer``, ``answer_status`` and (when the source had a string) ``answer_raw``, in that order."""
    answer, status, raw = parse_answer(value, sirl_sentinel=sirl_sentinel)
    fields: Record = {"answer": answer, "answer_status": status}
    if raw is not None:
        fields["answer_raw"] = raw
    return fields


def source_ref(spec: DatasetSpec, path: str, index: int | str) -> Record:
    """The ``source`` provenance object of a record."""
    return {"repo": spec.source.repo, "path": path, "commit": spec.source.commit, "index": index}


def record_id(spec: DatasetSpec, number: int) -> str:
    """``<id_prefix><number, 4 digits>``, e.g. ``optibench-0042``."""
    return f"{spec.options['id_prefix']}{number:04d}"


def expand_items(ranges: str) -> list[int]:
    """``"1-3,7,5"`` -> ``[1, 2, 3, 7, 5]`` (order kept: it is the source's order)."""
    numbers: list[int] = []
    for part in ranges.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        numbers.extend(range(int(low), int(high) + 1) if high else [int(low)])
    return numbers


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 text kept verbatim (no newline translation: ``\\r\\n`` stays as in the source)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"source file {path} is not UTF-8 text: {exc}") from exc


def parse_json(data: bytes, path: str) -> Any:
    """Parse a JSON source file, with an error naming it."""
    try:
        return json.loads(decode_text(data, path))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"source file {path} is not valid JSON: {exc}") from exc


def parse_items(data: bytes, path: str) -> list[Any]:
    """The items of a source file holding many problems, as a JSON array or as JSON Lines.

    Decided by content, never by the file name: upstream ``.json`` files may be JSON Lines (ORLM's
    ``benchmark/NL4OPT.json``) and the other way round. One JSON document that is a list gives its
    elements; any other single document is one item; otherwise every non-blank line must be JSON.
    """
    text = decode_text(data, path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as whole:
        return _json_lines(text, path, whole)
    return document if isinstance(document, list) else [document]


def _json_lines(text: str, path: str, whole: json.JSONDecodeError) -> list[Any]:
    items: list[Any] = []
    # Split on "\n" only: str.splitlines() would also break inside strings at U+2028, \x85, ...
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"source file {path} is neither one JSON document ({whole}) nor JSON Lines "
                f"(line {number}: {exc})"
            ) from exc
    return items


def expect(condition: bool, path: str, message: str) -> None:
    """Raise a :class:`DatasetError` about the source format unless ``condition`` holds."""
    if not condition:
        raise DatasetError(f"source file {path} is not in the expected format: {message}")
