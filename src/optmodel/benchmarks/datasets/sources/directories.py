"""LLM4OR's clean benchmark directories: ``<dir>/prob_N/{description.txt, sample.json}``.

``sample.json`` holds the instance's expected output, in the ComplexOR style
(``[{"input": {...}, "output": [value]}]``); a bare ``{"output": [...]}`` object or a bare number is
accepted too, since this converter was written without access to the pinned files. A problem
without an output value is ``unknown``. The registry lists the problem numbers (``options.items``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optmodel.benchmarks.datasets.problem import looks_like_table
from optmodel.benchmarks.datasets.sources.common import (
    Record,
    SourceReader,
    answer_fields,
    decode_text,
    expand_items,
    parse_json,
    record_id,
    source_ref,
)

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec


def convert_llm4or_dirs(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize LLM4OR problem directories."""
    base = str(spec.options["dir"])
    numbers = expand_items(str(spec.options["items"]))
    descriptions = reader.read_many([f"{base}/prob_{n}/description.txt" for n in numbers])
    samples = reader.read_many([f"{base}/prob_{n}/sample.json" for n in numbers], optional=True)
    records: list[Record] = []
    for number, description, sample in zip(numbers, descriptions, samples, strict=True):
        path = f"{base}/prob_{number}/description.txt"
        assert description is not None  # a required read
        question = decode_text(description, path)
        value = None
        if sample is not None:
            value = _output_value(parse_json(sample, f"{base}/prob_{number}/sample.json"))
        record: Record = {
            "id": record_id(spec, number),
            "dataset": spec.family,
            "split": spec.split,
            "question": question,
        }
        record.update(answer_fields(value))
        record["source"] = source_ref(spec, path, f"prob_{number}")
        record["has_table"] = looks_like_table(question)
        records.append(record)
    return records


def _output_value(sample: Any) -> Any:
    if isinstance(sample, list):
        sample = sample[0] if sample else None
    if isinstance(sample, dict):
        sample = sample.get("output")
    if isinstance(sample, list):
        sample = sample[0] if sample else None
    return sample
