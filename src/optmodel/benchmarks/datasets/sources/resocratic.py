"""ReSocratic JSON (``NL4OPT-E.json``, ``OptiBench.json``): a list of ``{index, question, results, type}``.

``results`` maps descriptive names to values (decision values *and* the objective, as strings), so
the objective entry has to be chosen. The rule (README, "OptiBench notes"):

1. a single entry is the objective (``single-key``);
2. else entries naming maxim*/minim*/optimal/objective (the last one if several:
   ``keyword`` / ``keyword(several)``);
3. else entries with total/profit/cost/revenue wording (``keyword(weak)``);
4. else the last entry (``last-key(no-objective-like-key)``);

plus the registry's per-item overrides from the manual review (another key, or "no objective in
``results``" -> unknown), each with its note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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

_STRONG = re.compile(r"maxim|minim|optimal|objective", re.IGNORECASE)
_WEAK = re.compile(r"total|profit|cost|revenue", re.IGNORECASE)


def choose_answer_key(results: Mapping[str, Any]) -> tuple[str | None, str]:
    """The objective entry of a ``results`` dict and the rule that picked it."""
    keys = list(results)
    if not keys:
        return None, "no-results"
    if len(keys) == 1:
        return keys[0], "single-key"
    strong = [key for key in keys if _STRONG.search(key)]
    if strong:
        return strong[-1], "keyword" if len(strong) == 1 else "keyword(several)"
    weak = [key for key in keys if _WEAK.search(key)]
    if weak:
        return weak[-1], "keyword(weak)"
    return keys[-1], "last-key(no-objective-like-key)"


def convert_resocratic(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize a ReSocratic-format JSON file (NL4OPT-E or OptiBench)."""
    path = spec.source.paths[0]
    items = parse_items(reader.read(path), path)
    overrides: Mapping[Any, Mapping[str, Any]] = spec.options.get("overrides", {})
    table_from_label = bool(spec.options.get("table_from_label", False))
    records: list[Record] = []
    for position, item in enumerate(items):
        expect(isinstance(item, dict), path, f"item {position} is not an object")
        expect(
            isinstance(item.get("question"), str), path, f"item {position} has no 'question' text"
        )
        results = item.get("results") or {}
        expect(isinstance(results, dict), path, f"item {position}: 'results' is not an object")
        index = item.get("index", position)
        expect(isinstance(index, int), path, f"item {position}: 'index' is not an integer")
        key, method = choose_answer_key(results)
        override = overrides.get(index, {})
        if "answer_key" in override:
            key, method = override["answer_key"], str(override["method"])
            expect(key is None or key in results, path, f"override key {key!r} not in item {index}")
        record: Record = {
            "id": record_id(spec, index),
            "dataset": spec.family,
            "split": spec.split,
            "question": item["question"],
        }
        record.update(answer_fields(results[key]) if key is not None else answer_fields(None))
        record.update(
            {
                "answer_key": key,
                "answer_key_method": method,
                "results": results,
                "source": source_ref(spec, path, index),
            }
        )
        type_label = item.get("type")
        if type_label is not None:
            record["type"] = type_label
        if table_from_label:
            record["linearity"] = (
                "nonlinear" if str(type_label).startswith("nonlinear") else "linear"
            )
            record["has_table"] = str(type_label).endswith("-table")
        else:
            record["has_table"] = looks_like_table(item["question"])
        if "note" in override:
            record["answer_note"] = override["note"]
        records.append(record)
    return records
