"""Benchmark datasets: registry, loading, fetching from the public sources, and verification.

>>> from optmodel.benchmarks.datasets import dataset_names, get_spec
>>> "nl4opt" in dataset_names()
True
>>> get_spec("optibench").count
605
"""

from __future__ import annotations

from optmodel.benchmarks.datasets.fetch import DEFAULT_BASE_URL, fetch_dataset
from optmodel.benchmarks.datasets.integrity import Verification, content_digest, verify_file
from optmodel.benchmarks.datasets.loader import (
    DATA_DIR_ENV,
    DatasetStatus,
    default_data_dir,
    list_datasets,
    load_dataset,
    read_problems_jsonl,
    resolve_data_dir,
)
from optmodel.benchmarks.datasets.problem import (
    AnswerStatus,
    Problem,
    ProblemKind,
    looks_like_table,
    problem_from_record,
    problem_kind,
)
from optmodel.benchmarks.datasets.registry import (
    DatasetSpec,
    SourceRef,
    dataset_names,
    find_spec,
    get_spec,
)

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_BASE_URL",
    "AnswerStatus",
    "DatasetSpec",
    "DatasetStatus",
    "Problem",
    "ProblemKind",
    "SourceRef",
    "Verification",
    "content_digest",
    "dataset_names",
    "default_data_dir",
    "fetch_dataset",
    "find_spec",
    "get_spec",
    "list_datasets",
    "load_dataset",
    "looks_like_table",
    "problem_from_record",
    "problem_kind",
    "read_problems_jsonl",
    "resolve_data_dir",
    "verify_file",
]
