"""NL4OPT competition generation data: one ``{"<hash_id>": {document, vars, params, ...}}`` per line.

The competition publishes no numeric optimum, so every record is ``unknown``; the LP annotation
(``vars``, ``params``, ``obj_declaration``, ``const_declarations``) is kept as
``reference_formulation`` (continuous LP, no integrality information).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optmodel.benchmarks.datasets.problem import looks_like_table
from optmodel.benchmarks.datasets.sources.common import (
    Record,
    SourceReader,
    expect,
    parse_items,
    record_id,
    source_ref,
)

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec

_FORMULATION_KEYS = ("vars", "params", "obj_declaration", "const_declarations")


def convert_nl4opt_competition(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize an NL4OPT competition ``generation_data/*.jsonl`` file."""
    path = spec.source.paths[0]
    lines = parse_items(reader.read(path), path)
    notes = list(spec.options.get("notes", []))
    records: list[Record] = []
    for position, line in enumerate(lines):
        expect(
            isinstance(line, dict) and len(line) == 1,
            path,
            f"line {position + 1} must be one {{hash_id: annotation}} object",
        )
        ((hash_id, annotation),) = line.items()
        expect(
            isinstance(annotation, dict) and isinstance(annotation.get("document"), str),
            path,
            f"line {position + 1} has no 'document' text",
        )
        record: Record = {
            "id": record_id(spec, position),
            "dataset": spec.family,
            "split": spec.split,
            "question": annotation["document"],
            "answer": None,
            "answer_status": "unknown",
            "source": source_ref(spec, path, position),
            "hash_id": hash_id,
            "has_table": looks_like_table(annotation["document"]),
            "reference_formulation": {key: annotation.get(key) for key in _FORMULATION_KEYS},
        }
        if notes:
            record["notes"] = notes
        records.append(record)
    return records
