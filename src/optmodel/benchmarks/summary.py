"""Turn per-problem result records into accuracy tables (per dataset x method), JSON-serialisable.

Counting conventions:

* duplicate records (same dataset, method, problem id, e.g. a resumed run) count once: the last wins;
* ``pending`` records are not results yet: counted, but left out of every rate and statistic;
* accuracy under a rule is ``correct / scored``, where ``scored`` leaves out problems whose ground
  truth is unknown (those are counted in ``unscored``), with a Wilson 95% interval;
* execution rate is the share of completed problems for which a valid model was produced.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from optmodel.benchmarks.records import FailureCategory, ResultRecord
from optmodel.benchmarks.scoring import DEFAULT_RULE, RULES, PredictionStatus, wilson_interval

_TIME_FIELDS = ("llm_s", "compile_s", "solve_s", "total_s")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Stat(_Frozen):
    """Mean and median of a per-problem quantity (None without data)."""

    mean: float | None
    median: float | None


class RuleAccuracy(_Frozen):
    """Accuracy under one rule, with its Wilson 95% interval."""

    correct: int
    scored: int
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None


class Breakdown(_Frozen):
    """Counts and accuracy (every rule) for a subset of problems."""

    n: int
    scored: dict[str, int]
    correct: dict[str, int]
    accuracy: dict[str, float | None]


class GroupSummary(_Frozen):
    """One dataset x method."""

    dataset: str
    method: str
    n: int
    pending: int
    completed: int
    unscored: int
    accuracy: dict[str, RuleAccuracy]
    valid_models: int
    execution_rate: float | None
    not_proven: int = 0
    unanimous: int | None = None
    """Self-consistency: problems whose every sample solved to the chosen objective (None: one sample)."""
    """Answers from solves that stopped with a feasible, not proven optimal, solution (e.g. a time limit)."""
    llm_calls: Stat
    tokens_in: Stat
    tokens_out: Stat
    tokens_total: Stat
    attempts: Stat
    time_s: dict[str, Stat]
    by_kind: dict[str, Breakdown]
    by_table: dict[str, Breakdown]
    failures: dict[str, int]


class Summary(_Frozen):
    """Everything :func:`summarize` computed; ``to_dict()`` is plain JSON data."""

    default_rule: str
    rules: list[str]
    duplicates_dropped: int
    groups: list[GroupSummary]

    def group(self, dataset: str, method: str) -> GroupSummary:
        """The summary of one dataset x method; KeyError if absent."""
        for group in self.groups:
            if group.dataset == dataset and group.method == method:
                return group
        raise KeyError(f"no records for dataset {dataset!r} and method {method!r}")

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable dict (``json.dumps(summary.to_dict())`` works)."""
        return self.model_dump(mode="json")


def summarize(records: Iterable[ResultRecord]) -> Summary:
    """Accuracy per dataset x method under every rule, with counts, intervals and breakdowns."""
    latest: dict[tuple[str, str, str], ResultRecord] = {}
    total = 0
    for record in records:
        total += 1
        latest[(record.dataset, record.method, record.problem_id)] = record
    rules = _rule_names(latest.values())
    grouped: dict[tuple[str, str], list[ResultRecord]] = {}
    for (dataset, method, _), record in latest.items():
        grouped.setdefault((dataset, method), []).append(record)
    groups = [
        _summarize_group(dataset, method, members, rules)
        for (dataset, method), members in sorted(grouped.items())
    ]
    return Summary(
        default_rule=DEFAULT_RULE,
        rules=rules,
        duplicates_dropped=total - len(latest),
        groups=groups,
    )


def _rule_names(records: Iterable[ResultRecord]) -> list[str]:
    seen = {name for record in records for name in record.correct}
    known = [name for name in RULES if name in seen]
    return known + sorted(seen - set(known))


def _summarize_group(
    dataset: str, method: str, records: Sequence[ResultRecord], rules: Sequence[str]
) -> GroupSummary:
    done = [r for r in records if not r.is_pending]
    accuracy: dict[str, RuleAccuracy] = {}
    for rule in rules:
        values = [r.correct.get(rule) for r in done]
        scored = sum(1 for v in values if v is not None)
        correct = sum(1 for v in values if v)
        low, high = wilson_interval(correct, scored) if scored else (None, None)
        accuracy[rule] = RuleAccuracy(
            correct=correct,
            scored=scored,
            accuracy=correct / scored if scored else None,
            ci_low=low,
            ci_high=high,
        )
    valid = sum(1 for r in done if r.valid_model)
    failures: dict[str, int] = {}
    for r in records:
        failures[r.failure.value] = failures.get(r.failure.value, 0) + 1
    return GroupSummary(
        dataset=dataset,
        method=method,
        n=len(records),
        pending=len(records) - len(done),
        completed=len(done),
        unscored=sum(1 for r in done if r.expected_status == "unknown"),
        accuracy=accuracy,
        valid_models=valid,
        execution_rate=valid / len(done) if done else None,
        not_proven=sum(1 for r in done if r.status is PredictionStatus.FEASIBLE),
        unanimous=_unanimous(done),
        llm_calls=_stat(r.llm_calls for r in done),
        tokens_in=_stat(r.tokens_in for r in done),
        tokens_out=_stat(r.tokens_out for r in done),
        tokens_total=_stat(r.tokens_in + r.tokens_out for r in done),
        attempts=_stat(r.attempts for r in done),
        time_s={name: _stat(getattr(r, name) for r in done) for name in _TIME_FIELDS},
        by_kind=_breakdown(done, rules, lambda r: r.problem_type),
        by_table=_breakdown(done, rules, lambda r: "table" if r.has_table else "no_table"),
        failures=dict(sorted(failures.items(), key=lambda item: _FAILURE_ORDER[item[0]])),
    )


_FAILURE_ORDER = {category.value: position for position, category in enumerate(FailureCategory)}


def _unanimous(records: Sequence[ResultRecord]) -> int | None:
    if not any(r.sample_count > 1 for r in records):
        return None
    return sum(1 for r in records if r.extra.get("agreement", [0])[0] == r.sample_count)


def _stat(values: Iterable[float]) -> Stat:
    data = list(values)
    if not data:
        return Stat(mean=None, median=None)
    return Stat(mean=statistics.fmean(data), median=float(statistics.median(data)))


def _breakdown(
    records: Sequence[ResultRecord], rules: Sequence[str], key: Callable[[ResultRecord], str]
) -> dict[str, Breakdown]:
    buckets: dict[str, list[ResultRecord]] = {}
    for record in records:
        buckets.setdefault(key(record), []).append(record)
    result: dict[str, Breakdown] = {}
    for name in sorted(buckets):
        members = buckets[name]
        scored = {
            rule: sum(1 for r in members if r.correct.get(rule) is not None) for rule in rules
        }
        correct = {rule: sum(1 for r in members if r.correct.get(rule)) for rule in rules}
        result[name] = Breakdown(
            n=len(members),
            scored=scored,
            correct=correct,
            accuracy={
                rule: correct[rule] / scored[rule] if scored[rule] else None for rule in rules
            },
        )
    return result
