"""Reports of a benchmark run: ``summary.json``, a Markdown report and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

from optmodel.atomic_files import write_atomically
from optmodel.benchmarks.labels import AUDITED_RULE, LabelCorrection, audited
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.benchmarks.scoring import PredictionStatus
from optmodel.benchmarks.summary import GroupSummary, Summary, summarize
from optmodel.errors import MissingExtraError


def load_records(run: RunDirectory) -> list[ResultRecord]:
    return [ResultRecord.model_validate(r) for r in run.records()]


def write_reports(
    run: RunDirectory, *, plots: bool = True, corrections: dict[str, LabelCorrection] | None = None
) -> Summary:
    """Summarise the run's results into summary.json, report.md and (with matplotlib) plots/*.png.

    With label ``corrections`` every record is also scored under the ``audited`` rule, shown beside the
    raw accuracy.

    Without matplotlib the report is written anyway, saying which extra adds the plots.
    """
    records = load_records(run)
    if corrections is not None:
        records = audited(records, corrections)
    summary = summarize(records)
    write_atomically(run.path / "summary.json", json.dumps(summary.to_dict(), indent=2))
    images: list[str] = []
    note = ""
    if plots:
        from optmodel.benchmarks.plots import write_plots

        try:
            images = write_plots(records, summary, run.path / "plots")
        except MissingExtraError as exc:
            # The numbers matter more than the pictures: write the report without them.
            note = f"\n_No plots: {exc}._\n"
    write_atomically(run.path / "report.md", render_markdown(summary, records, run, images) + note)
    return summary


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_markdown(
    summary: Summary, records: list[ResultRecord], run: RunDirectory, images: list[str]
) -> str:
    config = run.config() if run.exists() else {}
    lines = ["# Benchmark report", ""]
    llm = config.get("llm", {})
    env = config.get("environment", {})
    lines.append(
        f"LLM: `{llm.get('name', '?')}:{llm.get('model', '?')}` · git `{env.get('git_revision') or 'unknown'}` · "
        f"seed {config.get('config', {}).get('seed', '?')}"
    )
    lines += [
        "",
        f"Accuracy in %, default rule **{summary.default_rule}** (|ŷ−y| ≤ 1e-4·max(1,|y|); infeasible ground "
        "truth needs an infeasible/unbounded answer; no type or sense flipping), with its 95% Wilson interval; "
        "the other published rules alongside for comparison with each paper.",
        "",
    ]
    shown = [summary.default_rule] + [AUDITED_RULE] * (AUDITED_RULE in summary.rules)
    other = [r for r in summary.rules if r not in shown]
    header = [
        "dataset",
        "method",
        "n",
        *(f"{rule} (95% CI)" for rule in shown),
        *other,
        "not proven",
        "exec rate",
        "calls/problem",
        "tokens/problem",
        "s/problem",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for group in summary.groups:
        lines.append("| " + " | ".join(_row(group, shown, other)) + " |")
    if AUDITED_RULE in summary.rules:
        lines += [
            "",
            f"**{AUDITED_RULE}**: strict against the audited labels (a corrected reference, or any accepted "
            "reading of an ambiguous text); the same as strict where no correction applies.",
        ]
    for group in summary.groups:
        if group.unanimous is not None:
            lines.append(
                f"\n{group.dataset} · {group.method}: the top objective cluster was unanimous on "
                f"{group.unanimous} of {group.completed} problems."
            )
    lines += [
        "",
        "**not proven**: answers from solves that stopped (e.g. at the time limit) with a feasible, not proven "
        "optimal, solution; they are scored like any answer and listed below.",
    ]
    lines += ["", "## By problem type and table presence", ""]
    lines.append("| dataset | method | subset | n | accuracy % |")
    lines.append("|---|---|---|---|---|")
    for group in summary.groups:
        for name, part in {**group.by_kind, **group.by_table}.items():
            acc = part.accuracy.get(summary.default_rule)
            lines.append(f"| {group.dataset} | {group.method} | {name} | {part.n} | {_pct(acc)} |")
    lines += [
        "",
        "## Failure categories",
        "",
        "| dataset | method | " + " | ".join(_failure_names(summary)) + " |",
    ]
    lines.append("|---|---|" + "---|" * len(_failure_names(summary)))
    for group in summary.groups:
        counts = [str(group.failures.get(name, 0)) for name in _failure_names(summary)]
        lines.append(f"| {group.dataset} | {group.method} | " + " | ".join(counts) + " |")
    if summary.duplicates_dropped:
        lines += [
            "",
            f"{summary.duplicates_dropped} duplicate result line(s) were ignored (latest kept).",
        ]
    failed = [r for r in records if r.correct.get(summary.default_rule) is False]
    lines += ["", f"## Problems not solved correctly ({len(failed)})", ""]
    for record in failed:
        link = run.attempts_path(record.dataset, record.method, record.problem_id).relative_to(
            run.path
        )
        got = _num(record.objective, 6) if record.objective is not None else record.status or "-"
        if record.status is PredictionStatus.FEASIBLE:
            got += " (feasible, not proven)"
        lines.append(
            f"- [{record.problem_id}]({link}) · {record.method} · {record.failure.value} · "
            f"expected {_num(record.expected, 6) if record.expected is not None else record.expected_status}, got {got}"
        )
    unproven = [r for r in records if r.status is PredictionStatus.FEASIBLE]
    lines += [
        "",
        f"## Answers from solves that stopped before proving optimality ({len(unproven)})",
        "",
    ]
    for record in unproven:
        verdict = record.correct.get(summary.default_rule)
        lines.append(
            f"- {record.problem_id} · {record.method} · {_num(record.objective, 6)} (feasible, not proven)"
            f" · scored {'correct' if verdict else 'wrong' if verdict is False else 'unscored'}"
        )
    if images:
        lines += ["", "## Plots", ""] + [f"![{Path(i).stem}](plots/{Path(i).name})" for i in images]
    return "\n".join(lines) + "\n"


def _row(group: GroupSummary, shown: list[str], other: list[str]) -> list[str]:
    return [
        group.dataset,
        group.method,
        str(group.n),
        *(_with_interval(group, rule) for rule in shown),
        *[_pct(group.accuracy[r].accuracy) if r in group.accuracy else "-" for r in other],
        str(group.not_proven),
        _pct(group.execution_rate),
        _num(group.llm_calls.mean, 2),
        _num(group.tokens_total.mean, 0),
        _num(group.time_s["total_s"].mean, 2),
    ]


def _with_interval(group: GroupSummary, rule: str) -> str:
    acc = group.accuracy.get(rule)
    if acc is None or acc.accuracy is None:
        return "-"
    return (
        f"{_pct(acc.accuracy)} ({_pct(acc.ci_low)}–{_pct(acc.ci_high)}) {acc.correct}/{acc.scored}"
    )


def _failure_names(summary: Summary) -> list[str]:
    names: list[str] = []
    for group in summary.groups:
        for name in group.failures:
            if name not in names:
                names.append(name)
    return names
