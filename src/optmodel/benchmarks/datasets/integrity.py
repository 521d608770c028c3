"""Checksums of normalized dataset files: the whole file, and the content a fetch can reproduce.

Two checks, because a fetch cannot always rebuild the published file byte for byte: the published
normalized files also carry cross-checks against *other* public versions (``cross_check``,
``same_problem_in``, ``in_llm4or_clean``, ...), which need every other source. So each registry entry
pins both

* ``sha256``: the exact normalized file (what you get by copying the published files), and
* ``content_sha256``: a digest of the fields a converter rebuilds from the one source
  (``content_fields``: id, question, answer, answer status, type, provenance, ...).

A file is verified when either matches.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec


class Verification(str, enum.Enum):
    """How a dataset file on disk relates to its registry entry."""

    EXACT = "exact"  # byte-identical to the published normalized file
    CONTENT = "content"  # the reproducible fields match (a fetched file)
    MISMATCH = "mismatch"  # present but neither checksum matches
    MISSING = "missing"

    @property
    def ok(self) -> bool:
        return self in (Verification.EXACT, Verification.CONTENT)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def serialize_records(records: Iterable[Mapping[str, Any]]) -> bytes:
    """The normalized JSONL encoding: one ``json.dumps(record, ensure_ascii=False)`` per line."""
    return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def content_digest(records: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> str:
    """sha256 over each record restricted to ``fields`` (canonical JSON: sorted keys, compact)."""
    digest = hashlib.sha256()
    for record in records:
        projected = {key: record[key] for key in fields if key in record}
        line = json.dumps(projected, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def verify_file(path: Path, spec: DatasetSpec) -> Verification:
    """Check ``path`` against ``spec``: exact file checksum first, then the content digest."""
    if not path.is_file():
        return Verification.MISSING
    if file_sha256(path) == spec.sha256:
        return Verification.EXACT
    try:
        with path.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Verification.MISMATCH
    if len(records) != spec.count or not all(isinstance(r, dict) for r in records):
        return Verification.MISMATCH
    if content_digest(records, spec.content_fields) == spec.content_sha256:
        return Verification.CONTENT
    return Verification.MISMATCH
