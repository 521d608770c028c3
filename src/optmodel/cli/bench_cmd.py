"""``optmodel bench``: run methods over benchmark datasets; ``bench compare``, ``bench report``, ``bench audit``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from optmodel.benchmarks.executors import EXECUTOR_KINDS
from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.options import LLM_OPTION, NO_CACHE_OPTION

if TYPE_CHECKING:
    from collections.abc import Callable

    from optmodel.benchmarks.labels import LabelCorrection
    from optmodel.benchmarks.methods import Method
    from optmodel.benchmarks.records import ResultRecord
    from optmodel.benchmarks.runner import RunProgress
    from optmodel.experience_library import InsightStore
    from optmodel.experience_library.shipped import ShippedName
    from optmodel.llm.formulator import InsightSource


def bench(
    targets: list[str] = typer.Argument(
        ...,
        help="Dataset names or JSONL files; or 'compare RUN_A RUN_B', 'report RUN', "
        "'audit [GOLDEN_DIR | RUN]'.",
    ),
    llm: str | None = LLM_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    method: list[str] = typer.Option(
        ["repair"], "--method", "-m", help="standard, verify, repair, library, sc-K (repeatable)."
    ),
    samples: int = typer.Option(
        1, "--samples", help="Also run self-consistency with this many samples (sc-K)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="At most this many problems per dataset."
    ),
    ids: list[str] = typer.Option([], "--ids", help="Only these problem ids (repeatable)."),
    workers: int = typer.Option(2, "--workers", help="Solver processes."),
    executor: str = typer.Option("process", "--executor", help=f"{EXECUTOR_KINDS}."),
    out: Path | None = typer.Option(
        None, "--out", help="Run directory (default runs/<timestamp>)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Dataset directory (default $OPTMODEL_DATA or the cache)."
    ),
    library: str | None = typer.Option(
        None,
        "--library",
        help="Experience library for --method library: a library file, or a shipped one by name "
        "('starter', the default; 'learned'). -m library-starter always uses the starter library.",
    ),
    retrieval: str = typer.Option(
        "lexical",
        "--retrieval",
        help="How --method library shortlists insights: lexical, or taxonomy (the LLM picks topics).",
    ),
    attempts: int = typer.Option(
        4, "--attempts", help="LLM calls per problem for repairing methods."
    ),
    time_limit: float = typer.Option(30.0, "--time-limit", help="Seconds per solve."),
    seed: int = typer.Option(0, "--seed"),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
    labels: list[Path] = typer.Option(
        [],
        "--labels",
        help="Label-correction file (YAML/JSON, repeatable): also score under the 'audited' rule.",
    ),
    draft: Path | None = typer.Option(
        None,
        "--draft",
        help="bench audit: write label-correction entries (YAML) to review, for every disagreement "
        "an alternative reading reproduces.",
    ),
) -> None:
    """Benchmark formulation methods on datasets, scored strictly; results resume after a kill."""
    if targets[0] == "compare":
        _compare(targets[1:])
        return
    corrections = _corrections(labels)
    if targets[0] == "report":
        _report(targets[1:], plots, corrections)
        return
    if targets[0] == "audit":
        _audit(targets[1:], data_dir, time_limit, draft)
        return
    import time as clock

    from optmodel.benchmarks.report import write_reports
    from optmodel.benchmarks.runner import BenchConfig, run_benchmark
    from optmodel.cli.output import console, err_console
    from optmodel.errors import PendingBatchError
    from optmodel.pipeline import resolve_llm

    methods = list(dict.fromkeys(method + ([f"sc-{samples}"] if samples > 1 else [])))
    config = BenchConfig(
        datasets=tuple(targets),
        llm=llm or "",
        methods=tuple(methods),
        out=out or Path("runs") / clock.strftime("%Y%m%d-%H%M%S"),
        limit=limit,
        ids=tuple(ids),
        workers=workers,
        executor=executor,
        data_dir=data_dir,
        seed=seed,
        max_attempts=attempts,
        solve_time_limit=time_limit,
        library=library,
    )
    provider = resolve_llm(llm, cache=False if no_cache else None)
    insights_for: Callable[[Method], InsightSource | None] | None = None
    if library is not None or any(m.startswith("library") for m in methods):
        from optmodel.library_bridge import LibraryInsightSource

        if retrieval not in ("lexical", "taxonomy"):
            raise typer.BadParameter("--retrieval is lexical or taxonomy")
        shortlist_by: Literal["lexical", "taxonomy"] = (
            "taxonomy" if retrieval == "taxonomy" else "lexical"
        )
        sources: dict[str, InsightSource] = {}

        def insights_for(method: Method) -> InsightSource | None:
            # One source per method: each remembers which retrieval its outcomes belong to.
            if method.name not in sources:
                store = (
                    _shipped_library("starter")
                    if method.name.startswith("library-starter")
                    else _library_store(library)
                )
                sources[method.name] = LibraryInsightSource(
                    store, provider, shortlist_by=shortlist_by
                )
            return sources[method.name]

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]bench[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        task = bar.add_task("", total=None)

        def on_record(record: ResultRecord, progress: RunProgress) -> None:
            accuracy = (
                f"{100 * progress.correct / progress.scored:.1f}%" if progress.scored else "-"
            )
            bar.update(
                task,
                total=progress.total,
                completed=progress.done,
                description=f"strict accuracy {accuracy} ({progress.correct}/{progress.scored})",
            )

        try:
            run = run_benchmark(
                config, provider, resume=resume, insights_for=insights_for, on_record=on_record
            )
        except PendingBatchError as exc:
            bar.stop()
            err_console.print(str(exc), markup=False)
            err_console.print(f"then continue with: {_resume_command(config.out)}", markup=False)
            raise typer.Exit(ExitCode.PENDING) from exc
    summary = write_reports(run, plots=plots, corrections=corrections)
    for group in summary.groups:
        texts = []
        for rule in (summary.default_rule, "audited"):
            acc = group.accuracy.get(rule)
            if acc is not None and acc.accuracy is not None:
                texts.append(f"{rule} {100 * acc.accuracy:.1f}% ({acc.correct}/{acc.scored})")
        line = "  ".join(texts) or f"{summary.default_rule} -"
        if group.not_proven:
            line += f"  ({group.not_proven} feasible, not proven)"
        if group.unanimous is not None:
            line += f"  (top cluster unanimous on {group.unanimous}/{group.completed})"
        console.print(f"{group.dataset:>18} {group.method:>10}  {line}")
    console.print(f"report: {run.path / 'report.md'}")
    records = run.records()
    if records and all(r.get("failure") == "llm_error" for r in records):
        err_console.print(
            f"[red]every problem failed on an LLM error[/red] ({len(records)} result(s)); the scores "
            f"above measure the connection, not the model. See {run.path / 'attempts'} for the errors.",
        )
        raise typer.Exit(ExitCode.LLM_FAILED)


def _corrections(paths: list[Path]) -> dict[str, LabelCorrection] | None:
    if not paths:
        return None
    from optmodel.benchmarks.labels import load_corrections

    return load_corrections(paths)


def _library_store(spec: str | None) -> InsightStore:
    """``--library``: a shipped library by name (in memory), or the library file at that path."""
    from optmodel.experience_library import InsightStore
    from optmodel.experience_library.shipped import DEFAULT_SHIPPED, SHIPPED_NAMES

    for name in SHIPPED_NAMES:
        if (spec or DEFAULT_SHIPPED) == name:
            return _shipped_library(name)
    assert spec is not None
    if not Path(spec).is_file():
        raise typer.BadParameter(
            f"no library file {spec!r}; give a library file or one of: {', '.join(SHIPPED_NAMES)}",
            param_hint="--library",
        )
    return InsightStore(spec)


def _shipped_library(which: ShippedName) -> InsightStore:
    """A library that ships with optmodel, in memory (a benchmark never edits the user's)."""
    from optmodel.experience_library import InsightStore, load_shipped_library

    store = InsightStore(":memory:")
    load_shipped_library(store, which)
    return store


def _resume_command(out: Path) -> str:
    """The command line that was run, pointed at its run directory and resuming."""
    import shlex
    import sys

    args = list(sys.argv[1:])
    if "--out" not in args:
        args += ["--out", str(out)]
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join(["optmodel", *args])


def _compare(paths: list[str]) -> None:
    from optmodel.benchmarks.compare import compare_run_dirs
    from optmodel.benchmarks.rundir import RunDirectory
    from optmodel.cli.output import console

    if len(paths) != 2:
        raise typer.BadParameter("usage: optmodel bench compare RUN_A RUN_B")
    for item in compare_run_dirs(RunDirectory(Path(paths[0])), RunDirectory(Path(paths[1]))):
        s = item.stats
        if s.n == 0:
            continue
        low, high = s.delta_ci or (0.0, 0.0)
        console.print(
            f"{item.dataset}: {item.method_a} -> {item.method_b}: n={s.n}, "
            f"{100 * (s.accuracy_a or 0):.1f}% -> {100 * (s.accuracy_b or 0):.1f}%, "
            f"delta {100 * (s.delta or 0):+.1f} pts (95% CI {100 * low:+.1f} to {100 * high:+.1f}), McNemar p={s.mcnemar_p:.3g}"
        )
        console.print(f"  fixed ({len(item.fixed)}): {', '.join(item.fixed) or '-'}")
        console.print(f"  broken ({len(item.broken)}): {', '.join(item.broken) or '-'}")


def _report(paths: list[str], plots: bool, corrections: dict[str, LabelCorrection] | None) -> None:
    from optmodel.benchmarks.report import write_reports
    from optmodel.benchmarks.rundir import RunDirectory
    from optmodel.cli.output import console

    if len(paths) != 1:
        raise typer.BadParameter("usage: optmodel bench report RUN [--labels FILE]")
    write_reports(RunDirectory(Path(paths[0])), plots=plots, corrections=corrections)
    console.print(f"report: {Path(paths[0]) / 'report.md'}")


def _audit(paths: list[str], data_dir: Path | None, time_limit: float, draft: Path | None) -> None:
    from rich.markup import escape

    from optmodel.atomic_files import write_atomically
    from optmodel.benchmarks.audit import audit, audit_run, draft_corrections
    from optmodel.benchmarks.rundir import RunDirectory
    from optmodel.cli.output import console

    if len(paths) > 1:
        raise typer.BadParameter("usage: optmodel bench audit [GOLDEN_DIR | RUN] [--draft FILE]")
    source = Path(paths[0]) if paths else Path("tests/data/golden")
    if RunDirectory(source).exists():
        findings = audit_run(source, time_limit)
        console.print(f"{len(findings)} answer(s) scored wrong in {source}, re-solved:")
    else:
        every = audit(source, data_dir, time_limit)
        findings = [f for f in every if f.agrees is not True]
        console.print(
            f"{len(every)} golden model(s) re-solved; {len(findings)} disagree with the dataset:"
        )
    for f in findings:
        where = f" [{f.method}]" if f.method else ""
        expected = f.expected if f.expected is not None else f.expected_status
        solved = f.solved if f.solved is not None else f.status
        console.print(
            escape(
                f"  {f.problem_id}{where}: dataset says {expected}, model gives {solved}  {f.note}"
            )
        )
        if f.reproducing:
            found = ", ".join(
                f"{r.name} ({r.objective:g})"
                if r.objective is not None
                else f"{r.name} ({r.status})"
                for r in f.reproducing
            )
            console.print(escape(f"    reproduced by: {found}"))
        elif f.readings:
            console.print(f"    none of {len(f.readings)} alternative reading(s) reproduces it")
    if draft is not None:
        import yaml

        entries = draft_corrections(findings)
        write_atomically(draft, yaml.safe_dump(entries, sort_keys=False, allow_unicode=True))
        console.print(f"{len(entries)} draft label correction(s) to review: {draft}")
