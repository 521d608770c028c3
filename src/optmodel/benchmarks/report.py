"""Reports of a benchmark run: ``summary.json``, a Markdown report and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

from optmodel.atomic_files import write_atomically
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.rundir import RunDirectory
from optmodel.benchmarks.summary import GroupSummary, Summary, summarize
from optmodel.errors import MissingExtraError


def load_records(run: RunDirectory) -> list[ResultRecord]:
    return [ResultRecord.model_validate(r) for r in run.records()]


def write_reports(run: RunDirectory, *, plots: bool = True) -> Summary:
    """Summarise the run's results into summary.json, report.md and (with matplotlib) plots/*.png.

    Without matplotlib the report is written anyway, saying which extra adds the plots.
    """
    records = load_records(run)
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
    other = [r for r in summary.rules if r != summary.default_rule]
    header = [
        "dataset",
        "method",
        "n",
        f"{summary.default_rule} (95% CI)",
        *other,
        "exec rate",
        "calls/problem",
        "tokens/problem",
        "s/problem",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for group in summary.groups:
        lines.append("| " + " | ".join(_row(group, summary.default_rule, other)) + " |")
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
        lines.append(
            f"- [{record.problem_id}]({link}) · {record.method} · {record.failure.value} · "
            f"expected {_num(record.expected, 6) if record.expected is not None else record.expected_status}, got {got}"
        )
    if images:
        lines += ["", "## Plots", ""] + [f"![{Path(i).stem}](plots/{Path(i).name})" for i in images]
    return "\n".join(lines) + "\n"


def _row(group: GroupSummary, default: str, other: list[str]) -> list[str]:
    main = group.accuracy.get(default)
    main_text = "-"
    if main is not None and main.accuracy is not None:
        main_text = f"{_pct(main.accuracy)} ({_pct(main.ci_low)}–{_pct(main.ci_high)}) {main.correct}/{main.scored}"
    return [
        group.dataset,
        group.method,
        str(group.n),
        main_text,
        *[_pct(group.accuracy[r].accuracy) if r in group.accuracy else "-" for r in other],
        _pct(group.execution_rate),
        _num(group.llm_calls.mean, 2),
        _num(group.tokens_total.mean, 0),
        _num(group.time_s["total_s"].mean, 2),
    ]


def _failure_names(summary: Summary) -> list[str]:
    names: list[str] = []
    for group in summary.groups:
        for name in group.failures:
            if name not in names:
                names.append(name)
    return names
