"""MAMO, as published (``{id, Question, Answer, Category, Type}`` lines) and as corrected by SIRL.

SIRL's ``MAMO_*_fixed.jsonl`` lines are ``{en_question, en_answer, is_checked}``: no MAMO id, items
removed, and rewritten items moved to the end. Records keep MAMO's own 1-based id (so results stay
comparable with the original benchmark); the registry lists those ids in SIRL's line order
(``options.items``), taken from the alignment of SIRL's file to the original done once when the
normalized files were built. SIRL marks infeasible items with the answer ``-9999``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optmodel.benchmarks.datasets.problem import looks_like_table
from optmodel.benchmarks.datasets.sources.common import (
    Record,
    SourceReader,
    answer_fields,
    expand_items,
    expect,
    parse_items,
    record_id,
    source_ref,
)

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec


def convert_sirl_mamo(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize a SIRL-corrected MAMO JSONL file."""
    path = spec.source.paths[0]
    items = parse_items(reader.read(path), path)
    mamo_ids = expand_items(str(spec.options["items"]))
    expect(
        len(items) == len(mamo_ids),
        path,
        f"{len(items)} lines, but the registry maps {len(mamo_ids)} MAMO ids; the file changed",
    )
    records: list[Record] = []
    for position, (item, mamo_id) in enumerate(zip(items, mamo_ids, strict=True)):
        expect(isinstance(item, dict), path, f"line {position + 1} is not an object")
        question = item.get("en_question")
        expect(isinstance(question, str), path, f"line {position + 1} has no 'en_question' text")
        record: Record = {
            "id": record_id(spec, mamo_id),
            "dataset": spec.family,
            "split": spec.split,
            "question": question,
        }
        record.update(answer_fields(item.get("en_answer"), sirl_sentinel=True))
        record["source"] = source_ref(spec, path, position)
        record["mamo_id"] = mamo_id
        record["sirl_index"] = mamo_id - 1  # SIRL's README counts MAMO items from 0
        record["type"] = spec.options["type"]
        record["has_table"] = looks_like_table(question)
        if "is_checked" in item:
            record["sirl_is_checked"] = item["is_checked"]
        records.append(record)
    return records


def convert_mamo_original(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize an original MAMO JSONL file."""
    path = spec.source.paths[0]
    items = parse_items(reader.read(path), path)
    records: list[Record] = []
    for position, item in enumerate(items):
        expect(isinstance(item, dict), path, f"line {position + 1} is not an object")
        question = item.get("Question")
        expect(isinstance(question, str), path, f"line {position + 1} has no 'Question' text")
        mamo_id = item.get("id", position + 1)
        expect(isinstance(mamo_id, int), path, f"line {position + 1}: 'id' is not an integer")
        record: Record = {
            "id": record_id(spec, mamo_id),
            "dataset": spec.family,
            "split": spec.split,
            "question": question,
        }
        record.update(answer_fields(item.get("Answer")))
        record["source"] = source_ref(spec, path, position)
        record["type"] = item.get("Type", spec.options.get("type"))
        record["has_table"] = looks_like_table(question)
        records.append(record)
    return records
