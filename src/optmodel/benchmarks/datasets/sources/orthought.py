"""ORThought's corrected datasets (ZJU-TSELab/ORThought): LogiOR, NLP4LP, ComplexOR.

* LogiOR / NLP4LP: one directory per problem, ``<dir>/prob_NNN/{question.txt, answer.json,
  model.txt, code.py}``; ``answer.json`` is ``{"status": ..., "obj": ...}``. Type and size labels
  come from ``datasets/summary/summary_<name>.json`` (keyed by ``prob_NNN``). GitHub's raw URLs
  cannot list a directory, so the registry lists the problem numbers (``options.items``).
* ComplexOR: the summary JSON holds everything (``description``, ``sample[0].input/output``,
  ``problem_type``, ``details``, ``problem_size``); the question is built exactly as ORThought's
  runner builds it, ``"Problem Description: {description}\\nSample Data: {sample_input}"`` with
  the Python ``repr`` of the input dict. The answer is ``sample[0].output[0]`` (null: infeasible).

The gold model (``model.txt``) and gurobipy program (``code.py``) are kept as text when present;
they are never executed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from optmodel.benchmarks.datasets.problem import looks_like_table
from optmodel.benchmarks.datasets.sources.common import (
    Record,
    SourceReader,
    answer_fields,
    decode_text,
    expand_items,
    expect,
    parse_json,
    record_id,
    source_ref,
)

if TYPE_CHECKING:
    from optmodel.benchmarks.datasets.registry import DatasetSpec

_PROBLEM_DIR = re.compile(r"prob_(\d+)")


def convert_orthought_dirs(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize LogiOR / NLP4LP problem directories."""
    base = str(spec.options["dir"])
    summary_path = str(spec.options["summary"])
    summary = parse_json(reader.read(summary_path), summary_path)
    expect(
        isinstance(summary, dict), summary_path, "the top level must be an object keyed by problem"
    )
    names = [f"prob_{number:03d}" for number in expand_items(str(spec.options["items"]))]
    questions = reader.read_many([f"{base}/{name}/question.txt" for name in names])
    answers = reader.read_many([f"{base}/{name}/answer.json" for name in names])
    models = reader.read_many([f"{base}/{name}/model.txt" for name in names], optional=True)
    codes = reader.read_many([f"{base}/{name}/code.py" for name in names], optional=True)
    unknown_note = spec.options.get("unknown_note")
    records: list[Record] = []
    for name, question_bytes, answer_bytes, model, code in zip(
        names, questions, answers, models, codes, strict=True
    ):
        question_path = f"{base}/{name}/question.txt"
        answer_path = f"{base}/{name}/answer.json"
        assert question_bytes is not None and answer_bytes is not None  # required reads
        question = decode_text(question_bytes, question_path)
        answer = parse_json(answer_bytes, answer_path)
        expect(isinstance(answer, dict), answer_path, "expected {'status': ..., 'obj': ...}")
        record: Record = {
            "id": record_id(spec, int(name[5:])),
            "dataset": spec.family,
            "split": spec.split,
            "question": question,
        }
        record.update(_answer_from_status(answer))
        record["source"] = source_ref(spec, question_path, name)
        record["answer_source"] = answer_path
        record.update(_labels(summary.get(name)))
        record["has_table"] = looks_like_table(question)
        if model is not None:
            record["reference_formulation"] = decode_text(model, f"{base}/{name}/model.txt")
        if code is not None:
            record["reference_code"] = decode_text(code, f"{base}/{name}/code.py")
        if unknown_note and record["answer_status"] == "unknown":
            record["notes"] = [unknown_note]
        records.append(record)
    return records


def convert_orthought_summary(spec: DatasetSpec, reader: SourceReader) -> list[Record]:
    """Normalize ComplexOR from ORThought's summary JSON."""
    summary_path = spec.source.paths[0]
    base = str(spec.options["dir"])
    summary = parse_json(reader.read(summary_path), summary_path)
    expect(
        isinstance(summary, dict), summary_path, "the top level must be an object keyed by problem"
    )
    names = list(summary)
    models = reader.read_many([f"{base}/{name}/model.txt" for name in names], optional=True)
    codes = reader.read_many([f"{base}/{name}/code.py" for name in names], optional=True)
    records: list[Record] = []
    for name, model, code in zip(names, models, codes, strict=True):
        entry = summary[name]
        match = _PROBLEM_DIR.match(name)
        expect(match is not None and isinstance(entry, dict), summary_path, f"bad entry {name!r}")
        assert match is not None
        samples = entry.get("sample")
        expect(
            isinstance(entry.get("description"), str)
            and isinstance(samples, list)
            and bool(samples)
            and isinstance(samples[0], dict),
            summary_path,
            f"{name}: needs 'description' text and a non-empty 'sample' list of objects",
        )
        sample_input = samples[0].get("input")
        sample_output = samples[0].get("output")
        expect(isinstance(sample_output, list), summary_path, f"{name}: 'output' must be a list")
        # ORThought scores against sample output 0; null there means the instance is infeasible.
        first = sample_output[0] if sample_output else None
        record: Record = {
            "id": record_id(spec, int(match.group(1))),
            "dataset": spec.family,
            "split": spec.split,
            "question": f"Problem Description: {entry['description']}\nSample Data: {sample_input}",
        }
        if sample_output and first is None:
            record.update({"answer": None, "answer_status": "infeasible"})
        else:
            record.update(answer_fields(first))
        record["source"] = source_ref(spec, summary_path, name)
        record["answer_source"] = f"{base}/{name}/answer.json"
        record["problem_name"] = name[match.end() + 1 :]
        record["description"] = entry["description"]
        record["sample_input"] = sample_input
        record["sample_output"] = sample_output
        record.update(_labels(entry))
        record["has_table"] = looks_like_table(record["question"])
        if model is not None:
            record["reference_formulation"] = decode_text(model, f"{base}/{name}/model.txt")
        if code is not None:
            record["reference_code"] = decode_text(code, f"{base}/{name}/code.py")
        records.append(record)
    return records


def _answer_from_status(answer: dict[str, Any]) -> Record:
    """``{"status": "optimal", "obj": 537.0}`` -> answer fields; obj null with "optimal" is unknown."""
    status = str(answer.get("status", "")).strip()
    objective = answer.get("obj")
    if objective is None and status and status.lower() != "optimal":
        if "infeasible" in status.lower() or "unbounded" in status.lower():
            return {"answer": None, "answer_status": "infeasible", "answer_raw": status}
        return {"answer": None, "answer_status": "unknown", "answer_raw": status}
    return answer_fields(objective)


def _labels(entry: Any) -> Record:
    if not isinstance(entry, dict):
        return {}
    labels: Record = {}
    if entry.get("problem_type") is not None:
        labels["type"] = entry["problem_type"]
    if entry.get("problem_size") is not None:
        labels["problem_size"] = entry["problem_size"]
    if entry.get("details") is not None:
        labels["size_details"] = entry["details"]
    return labels
