"""Flat question/answer files: OptMATH's JSON lists and LLMOPT's JSONL test sets.

* OptMATH (``benchmark/OptMATH_Bench.json``, ``benchmark/NL4OPT.json``): a JSON list of
  ``{en_question, en_answer[, id]}``; answers are numbers or strings (``"No Best Solution"``).
* LLMOPT (``data/testset/*.jsonl``): one ``{question, answer}``-style object per line. The field
  names are looked up from a short list (``question``/``en_question``, ``ground_truth``/``answer``/
  ``en_answer``) because this converter was written without access to the pinned file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from optmodel.benchmarks.datasets.problem import looks_like_table
from optmodel.benchmarks.datasets.sources.common import (
    Record,
    SourceReader,
    answer_fields,
    expect,
    parse_items,
    record_id,
    source_ref,
)

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec

_QUESTION_FIELDS = ("question", "en_question", "Question")
_ANSWER_FIELDS = ("ground_truth", "answer", "en_answer", "Answer")


def convert_optmath_json(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize an OptMATH-format JSON list; ids from the item's ``id`` (else its position)."""
    path = spec.source.paths[0]
    items = parse_items(reader.read(path), path)
    use_id_field = bool(spec.options.get("id_from_field", False))
    records: list[Record] = []
    for position, item in enumerate(items):
        expect(isinstance(item, dict), path, f"item {position} is not an object")
        expect(
            isinstance(item.get("en_question"), str), path, f"item {position} has no 'en_question'"
        )
        number = item.get("id", position) if use_id_field else position
        expect(isinstance(number, int), path, f"item {position}: 'id' is not an integer")
        records.append(
            _record(spec, path, position, number, item["en_question"], item.get("en_answer"))
        )
    return records


def convert_llmopt_jsonl(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize an LLMOPT test-set JSONL file; ids are ``position + options.id_offset``."""
    path = spec.source.paths[0]
    items = parse_items(reader.read(path), path)
    offset = int(spec.options.get("id_offset", 0))
    records: list[Record] = []
    for position, item in enumerate(items):
        expect(isinstance(item, dict), path, f"line {position + 1} is not an object")
        question = _first(item, _QUESTION_FIELDS)
        expect(isinstance(question, str), path, f"line {position + 1} has no question text field")
        records.append(
            _record(spec, path, position, position + offset, question, _first(item, _ANSWER_FIELDS))
        )
    return records


def _first(item: dict[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        if name in item:
            return item[name]
    return None


def _record(
    spec: DatasetSpec, path: str, position: int, number: int, question: str, answer: Any
) -> Record:
    record: Record = {
        "id": record_id(spec, number),
        "dataset": spec.family,
        "split": spec.split,
        "question": question,
    }
    record.update(answer_fields(answer))
    record["source"] = source_ref(spec, path, position)
    record["has_table"] = looks_like_table(question)
    return record
