"""``optmodel library``: read, search, share, learn and refine an experience library."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optmodel.atomic_files import write_atomically
from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.options import LLM_OPTION, NO_CACHE_OPTION

if TYPE_CHECKING:
    from optmodel.experience_library import InsightStore
    from optmodel.experience_library import Problem as LibraryProblem

library_app = typer.Typer(
    help="The experience library: solver-verified modeling insights.", no_args_is_help=True
)

PATH_OPTION = typer.Option(
    None, "--library", "-l", help="Library database (default: the user data dir)."
)


def _open(path: Path | None, *, starter: bool = False) -> InsightStore:
    """The library at ``path``; with ``starter``, an empty one is first seeded with the shipped default."""
    from optmodel.experience_library import InsightStore, default_library_path, load_shipped_library

    store = InsightStore(path or default_library_path())
    if starter and not store.insights(include_retired=True):
        load_shipped_library(store)
    return store


@library_app.command("list")
def list_cmd(
    library: Path | None = PATH_OPTION, track: str | None = typer.Option(None, "--track")
) -> None:
    """One line per insight: id, taxonomy, version, and when it applies."""
    from optmodel.cli.output import console

    for insight in _open(library, starter=True).insights(track=track):
        tax = insight.taxonomy
        console.print(
            f"[bold]{insight.id}[/bold] v{insight.version} [dim]{tax.track} > {tax.level1} > {tax.level2}[/dim]\n"
            f"    {insight.applies_when}",
            markup=True,
        )


@library_app.command("show")
def show_cmd(insight_id: str, library: Path | None = PATH_OPTION) -> None:
    """Every field of one insight, with its history."""
    from optmodel.cli.output import console

    store = _open(library, starter=True)
    insight = store.get(insight_id)
    console.print(insight.model_dump_json(indent=2), markup=False)
    for version in store.versions(insight_id):
        console.print(f"  v{version.version}: {version.reason}", markup=False)


@library_app.command("search")
def search_cmd(
    text: str, library: Path | None = PATH_OPTION, k: int = typer.Option(5, "-k")
) -> None:
    """Insights lexically closest to TEXT (the first retrieval stage, no LLM)."""
    from optmodel.cli.output import console

    for hit in _open(library, starter=True).search(text, k):
        console.print(
            f"{hit.score:6.3f}  {hit.insight.id}: {hit.insight.applies_when}", markup=False
        )


@library_app.command("export")
def export_cmd(
    out: Path,
    library: Path | None = PATH_OPTION,
    provenance: Path | None = typer.Option(
        None,
        "--provenance",
        help="YAML/JSON mapping written as the file's 'provenance' (model, training split, date, counts).",
    ),
) -> None:
    """Write the library to OUT (YAML, or JSON for a .json suffix) for review, editing and sharing."""
    from optmodel.cli.output import console
    from optmodel.experience_library import export_library

    about = None
    if provenance is not None:
        import yaml

        about = yaml.safe_load(provenance.read_text(encoding="utf-8"))
        if not isinstance(about, dict):
            raise typer.BadParameter(f"{provenance} must hold a mapping", param_hint="--provenance")
    count = export_library(_open(library, starter=True), out, provenance=about)
    console.print(f"wrote {count} insight(s) to {out}")


@library_app.command("import")
def import_cmd(
    source: Path,
    library: Path | None = PATH_OPTION,
    on_conflict: str = typer.Option("update", "--on-conflict", help="update, skip or error"),
) -> None:
    """Validate SOURCE completely, then apply it in one transaction (nothing changes on any error)."""
    from optmodel.cli.output import console
    from optmodel.experience_library import import_library

    report = import_library(_open(library), source, on_conflict=on_conflict)  # type: ignore[arg-type]
    console.print(str(report), markup=False)


@library_app.command("stats")
def stats_cmd(library: Path | None = PATH_OPTION) -> None:
    """Counts, retrieval and outcome statistics, the most helpful and harmful insights."""
    from optmodel.cli.output import console

    console.print(_open(library, starter=True).stats().model_dump_json(indent=2), markup=False)


@library_app.command("learn")
def learn_cmd(
    dataset: str = typer.Argument(..., help="Dataset name or JSONL file with known answers."),
    llm: str | None = LLM_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    library: Path | None = PATH_OPTION,
    split: str = typer.Option(
        "0:0.5", "--split", help="Fraction range of the dataset to learn from, e.g. 0:0.5."
    ),
    limit: int | None = typer.Option(None, "--limit"),
    data_dir: Path | None = typer.Option(None, "--data-dir"),
    attempts: int = typer.Option(3, "--attempts", help="LLM calls per formulation."),
    regression_checks: int = typer.Option(
        3,
        "--regression-checks",
        help="Already-right problems each verified candidate must keep right (0 to skip the check).",
    ),
    batch_size: int | None = typer.Option(
        None,
        "--batch-size",
        help="Problems per learning batch (default 32; all at once with --llm batch:DIR, "
        "so each round of request files holds every problem).",
    ),
) -> None:
    """Learn verified insights from the problems this library fails on (resumable).

    With ``--llm batch:DIR`` it writes request files and exits 7; answer them and run the same command
    again, until it reports (each round's writes to the library are all-or-nothing).
    """
    from optmodel.cli.output import console, err_console
    from optmodel.experience_library import learn
    from optmodel.library_bridge import completer_for, formulate_attempt_for
    from optmodel.llm.formulator import FormulatorConfig
    from optmodel.llm.providers.metered import MeteredProvider
    from optmodel.pipeline import resolve_llm

    problems = _split_problems(dataset, split, limit, data_dir)
    provider = MeteredProvider(resolve_llm(llm, cache=False if no_cache else None))
    replayed = provider.name == "batch"
    store = _open(library, starter=True)
    run_name = f"{dataset}:{split}"
    with _pending_exits():
        report = learn(
            problems,
            store,
            formulate_attempt_for(provider, FormulatorConfig(max_attempts=attempts, verify=False)),
            completer_for(provider),
            run_name=run_name,
            model=f"{provider.name}:{provider.model}",
            regression_checks=regression_checks,
            batch_size=batch_size or (max(1, len(problems)) if replayed else 32),
            atomic_batches=replayed,
            progress=lambda message: err_console.print(message, markup=False),
        )
    console.print(
        f"{report.attempted} attempted, {report.initially_correct} already right; "
        f"{report.candidates_verified}/{report.candidates_proposed} candidate insight(s) verified "
        f"({report.candidates_regressed} dropped for breaking an already-right problem); "
        f"added: {', '.join(report.added) or '-'}",
        markup=False,
    )
    # Listed from the run's records, so the problems flagged in earlier (resumed) rounds show too.
    flagged = {
        pid: result["audit"]
        for pid, result in store.done_problems(run_name).items()
        if isinstance(result.get("audit"), dict)
    }
    if flagged:
        console.print(
            f"{len(flagged)} problem(s) flagged for audit, no insight learned from them "
            "(the diagnosis found no modeling mistake):",
            markup=False,
        )
        for pid, audit in sorted(flagged.items()):
            console.print(f"  {pid} ({audit.get('kind')}): {audit.get('reason', '')}", markup=False)
    totals, kept = provider.totals, max(1, len(report.added))
    console.print(
        f"cost: {totals.calls} LLM call(s), {totals.total_tokens} token(s), "
        f"{report.elapsed_s:.1f} s wall; per kept insight: {totals.calls / kept:.1f} call(s), "
        f"{totals.total_tokens / kept:.0f} token(s), {report.elapsed_s / kept:.1f} s",
        markup=False,
    )


@library_app.command("refine")
def refine_cmd(
    llm: str | None = LLM_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    library: Path | None = PATH_OPTION,
    rewrites: int = typer.Option(3, "--rewrites", help="Candidate condition rewrites per insight."),
    attempts: int = typer.Option(3, "--attempts"),
    insight: list[str] = typer.Option(
        [],
        "--insight",
        help="Refine only this insight (repeatable); default: every active insight.",
    ),
) -> None:
    """Rewrite applicability conditions that retrieval got wrong; keep a rewrite only if it scores better."""
    from optmodel.cli.output import console
    from optmodel.experience_library import refine
    from optmodel.library_bridge import completer_for, formulate_attempt_for
    from optmodel.llm.formulator import FormulatorConfig
    from optmodel.pipeline import resolve_llm

    provider = resolve_llm(llm, cache=False if no_cache else None)
    with _pending_exits():
        report = refine(
            _open(library),
            formulate_attempt_for(provider, FormulatorConfig(max_attempts=attempts, verify=False)),
            completer_for(provider),
            n_rewrites=rewrites,
            insight_ids=insight or None,
        )
    console.print(
        f"{len(report.results)} insight(s) considered; improved: {', '.join(report.improved) or '-'}; "
        f"retired (still break a problem they are retrieved for): {', '.join(report.retired) or '-'}",
        markup=False,
    )


@library_app.command("report")
def report_cmd(
    out: Path = typer.Argument(..., help="Markdown file to write."),
    library: Path | None = PATH_OPTION,
    retired: bool = typer.Option(False, "--retired", help="Include retired insights."),
) -> None:
    """Write the library as one Markdown page: by taxonomy, with evidence, counts and history."""
    from optmodel.cli.output import console
    from optmodel.experience_library.report import library_report

    text = library_report(_open(library, starter=True), include_retired=retired)
    write_atomically(out, text)
    console.print(f"wrote {out}", markup=False)


@contextmanager
def _pending_exits() -> Iterator[None]:
    """Turn a batch provider's 'requests written' into its instructions and exit code 7."""
    from optmodel.cli.output import err_console
    from optmodel.errors import PendingBatchError

    try:
        yield
    except PendingBatchError as exc:
        err_console.print(str(exc), markup=False)
        err_console.print(
            "then run this same command again; it continues where it stopped.", markup=False
        )
        raise typer.Exit(ExitCode.PENDING) from exc


def _split_problems(
    dataset: str, split: str, limit: int | None, data_dir: Path | None
) -> list[LibraryProblem]:
    from optmodel.benchmarks.datasets.loader import load_dataset
    from optmodel.experience_library import Problem

    start_text, _, end_text = split.partition(":")
    try:
        start, end = float(start_text or 0), float(end_text or 1)
    except ValueError as exc:
        raise typer.BadParameter("--split is START:END as fractions, e.g. 0:0.5") from exc
    items = load_dataset(dataset, data_dir)
    chosen = items[int(start * len(items)) : int(end * len(items))][:limit]
    return [Problem(p.id, p.question, p.answer, p.answer_status) for p in chosen]
