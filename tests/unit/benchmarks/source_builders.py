"""Rebuild upstream *source-format* files from the published normalized records (test support).

Each builder inverts one converter: it writes the files the upstream repository publishes (in the
layout the converter reads), so a fetch from a loopback server can be checked end to end against
the registry's checksums on the real 14 datasets. The formats follow what the README and the
records say about the sources; they are not copies of the upstream files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from optmodel.benchmarks.datasets import DatasetSpec

Files = dict[str, bytes]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def _jsonl(values: list[Any]) -> bytes:
    return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values).encode("utf-8")


# Upstream files whose name does not say their shape (checked at the pinned commits): ORLM's
# NL4OPT copy, carried into OptMATH's benchmark folder, is JSON Lines under a .json name.
_JSON_LINES_UPSTREAM = frozenset({"benchmark/NL4OPT.json"})


def _items(path: str, items: list[Any]) -> bytes:
    """A file of problems in the upstream shape: JSON Lines where upstream uses it, else a JSON array."""
    json_lines = path.endswith(".jsonl") or path in _JSON_LINES_UPSTREAM
    return _jsonl(items) if json_lines else _json(items)


def _answer_value(record: dict[str, Any]) -> Any:
    return record.get("answer_raw", record["answer"])


def _number(record: dict[str, Any]) -> int:
    return int(record["id"].rsplit("-", 1)[1])


def resocratic(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    items = [
        {
            "index": r["source"]["index"],
            "question": r["question"],
            "results": r["results"],
            "type": r["type"],
        }
        for r in records
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], items)}


def sirl_mamo(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    ordered = sorted(records, key=lambda r: r["source"]["index"])
    lines = [
        {
            "en_question": r["question"],
            "en_answer": r["answer_raw"],
            "is_checked": r["sirl_is_checked"],
        }
        for r in ordered
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], lines)}


def mamo(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    lines = [
        {
            "id": _number(r),
            "Question": r["question"],
            "Answer": r["answer_raw"],
            "Category": "optimization",
            "Type": r["type"],
        }
        for r in records
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], lines)}


def optmath(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    items = [
        {"en_question": r["question"], "en_answer": _answer_value(r), "id": _number(r)}
        for r in records
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], items)}


def llmopt(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    lines = [
        {"id": _number(r), "ground_truth": _answer_value(r), "question": r["question"]}
        for r in records
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], lines)}


def _labels(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "problem_type": r["type"],
        "details": r["size_details"],
        "problem_size": r["problem_size"],
    }


def orthought_dirs(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    base = spec.options["dir"]
    files: Files = {}
    summary: dict[str, Any] = {}
    for r in records:
        name = r["source"]["index"]
        summary[name] = {"description": r["question"], "ground_truth": r["answer"], **_labels(r)}
        files[f"{base}/{name}/question.txt"] = r["question"].encode("utf-8")
        if r["answer_status"] == "infeasible":
            answer = {"status": r["answer_raw"], "obj": None}
        else:
            answer = {"status": "optimal", "obj": r["answer"]}
        files[f"{base}/{name}/answer.json"] = _json(answer)
        files[f"{base}/{name}/model.txt"] = r["reference_formulation"].encode("utf-8")
        files[f"{base}/{name}/code.py"] = r["reference_code"].encode("utf-8")
    files[spec.options["summary"]] = _json(summary)
    return files


def orthought_summary(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    base = spec.options["dir"]
    files: Files = {}
    summary: dict[str, Any] = {}
    for r in records:
        name = r["source"]["index"]
        summary[name] = {
            "description": r["description"],
            "sample": [{"input": r["sample_input"], "output": r["sample_output"]}],
            **_labels(r),
        }
        files[f"{base}/{name}/model.txt"] = r["reference_formulation"].encode("utf-8")
        files[f"{base}/{name}/code.py"] = r["reference_code"].encode("utf-8")
    files[spec.source.paths[0]] = _json(summary)
    return files


def llm4or(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    base = spec.options["dir"]
    files: Files = {}
    for r in records:
        name = r["source"]["index"]
        files[f"{base}/{name}/description.txt"] = r["question"].encode("utf-8")
        output = [] if r["answer"] is None else [r["answer"]]
        files[f"{base}/{name}/sample.json"] = _json([{"input": {}, "output": output}])
    return files


def nl4opt_competition(spec: DatasetSpec, records: list[dict[str, Any]]) -> Files:
    lines = [
        {r["hash_id"]: {"document": r["question"], **r["reference_formulation"]}} for r in records
    ]
    return {spec.source.paths[0]: _items(spec.source.paths[0], lines)}


BUILDERS: dict[str, Callable[[DatasetSpec, list[dict[str, Any]]], Files]] = {
    "resocratic-json": resocratic,
    "sirl-mamo-jsonl": sirl_mamo,
    "mamo-jsonl": mamo,
    "optmath-json": optmath,
    "llmopt-jsonl": llmopt,
    "orthought-dirs": orthought_dirs,
    "orthought-summary": orthought_summary,
    "llm4or-dirs": llm4or,
    "nl4opt-competition-jsonl": nl4opt_competition,
}


def source_files(spec: DatasetSpec, records: list[dict[str, Any]]) -> dict[str, bytes]:
    """Server paths (``/<repo>/<commit>/<path>``) -> bytes for one dataset's rebuilt source."""
    files = BUILDERS[spec.format](spec, records)
    prefix = f"/{spec.source.repo}/{spec.source.commit}/"
    return {prefix + path: data for path, data in files.items()}
