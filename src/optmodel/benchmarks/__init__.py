"""optmodel.benchmarks: dataset registry and loaders, scoring rules, result records and summaries.

The runner (formulate + solve every problem of a dataset) builds on these pieces:

>>> from optmodel.benchmarks import Prediction, PredictionStatus, Problem, score
>>> problem = Problem(id="p", dataset="demo", question="...", answer=2190.0)
>>> score(Prediction(PredictionStatus.OPTIMAL, 2190.0), problem)["strict"]
True
"""

from __future__ import annotations

from optmodel.benchmarks.datasets import (
    DatasetSpec,
    DatasetStatus,
    Problem,
    ProblemKind,
    dataset_names,
    fetch_dataset,
    get_spec,
    list_datasets,
    load_dataset,
    problem_kind,
)
from optmodel.benchmarks.records import FailureCategory, ResultRecord, classify_failure
from optmodel.benchmarks.scoring import (
    DEFAULT_RULE,
    RULES,
    PairedComparison,
    Prediction,
    PredictionStatus,
    ScoringRule,
    compare_runs,
    score,
    wilson_interval,
)
from optmodel.benchmarks.summary import GroupSummary, Summary, summarize

__all__ = [
    "DEFAULT_RULE",
    "RULES",
    "DatasetSpec",
    "DatasetStatus",
    "FailureCategory",
    "GroupSummary",
    "PairedComparison",
    "Prediction",
    "PredictionStatus",
    "Problem",
    "ProblemKind",
    "ResultRecord",
    "ScoringRule",
    "Summary",
    "classify_failure",
    "compare_runs",
    "dataset_names",
    "fetch_dataset",
    "get_spec",
    "list_datasets",
    "load_dataset",
    "problem_kind",
    "score",
    "summarize",
    "wilson_interval",
]
