"""Comparing two benchmark runs problem by problem: what flipped, and the accuracy delta with its uncertainty."""

from __future__ import annotations

from dataclasses import dataclass

from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.report import load_records
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.benchmarks.scoring import DEFAULT_RULE, PairedComparison, compare_runs


@dataclass(frozen=True)
class RunComparison:
    dataset: str
    method_a: str
    method_b: str
    stats: PairedComparison
    fixed: list[str]
    """Problems wrong in run A and right in run B."""
    broken: list[str]
    """Problems right in run A and wrong in run B."""


def _by_key(
    records: list[ResultRecord], rule: str
) -> dict[tuple[str, str], dict[str, bool | None]]:
    table: dict[tuple[str, str], dict[str, bool | None]] = {}
    for record in records:
        table.setdefault((record.dataset, record.method), {})[record.problem_id] = (
            record.correct.get(rule)
        )
    return table


def compare_run_dirs(
    a: RunDirectory, b: RunDirectory, rule: str = DEFAULT_RULE
) -> list[RunComparison]:
    """Pair every dataset x method present in both runs; with one method each, pair those across methods."""
    table_a, table_b = _by_key(load_records(a), rule), _by_key(load_records(b), rule)
    pairs = [(k, k) for k in table_a if k in table_b]
    if not pairs:
        pairs = [(ka, kb) for ka in table_a for kb in table_b if ka[0] == kb[0]]
    comparisons = []
    for key_a, key_b in pairs:
        results_a, results_b = table_a[key_a], table_b[key_b]
        shared = [
            p
            for p in results_a
            if p in results_b and results_a[p] is not None and results_b[p] is not None
        ]
        comparisons.append(
            RunComparison(
                dataset=key_a[0],
                method_a=key_a[1],
                method_b=key_b[1],
                stats=compare_runs(results_a, results_b),
                fixed=sorted(p for p in shared if not results_a[p] and results_b[p]),
                broken=sorted(p for p in shared if results_a[p] and not results_b[p]),
            )
        )
    return comparisons
