"""``optmodel datasets list|fetch``: what benchmark data is available, and getting it from its public source."""

from __future__ import annotations

from pathlib import Path

import typer

datasets_app = typer.Typer(
    help="Benchmark datasets: list what is available, fetch from the public sources.",
    no_args_is_help=True,
)

DATA_DIR_OPTION = typer.Option(
    None, "--data-dir", help="Dataset directory (default $OPTMODEL_DATA or the user cache)."
)


@datasets_app.command("list")
def list_cmd(data_dir: Path | None = DATA_DIR_OPTION) -> None:
    """Every registered dataset, whether it is present and verified, its size and licence."""
    from rich.table import Table

    from optmodel.benchmarks.datasets.loader import list_datasets, resolve_data_dir
    from optmodel.cli.output import console

    table = Table(title=f"datasets in {resolve_data_dir(data_dir)}", title_justify="left")
    for column in ("name", "present", "check", "items", "licence"):
        table.add_column(column)
    for status in list_datasets(data_dir):
        licence = status.licence + (
            f" ({status.licence_warning})" if status.licence_warning else ""
        )
        table.add_row(
            status.name,
            "yes" if status.present else "no",
            status.verification,
            str(status.count),
            licence,
        )
    console.print(table)


@datasets_app.command("fetch")
def fetch_cmd(
    names: list[str] = typer.Argument(..., help="Dataset names (see 'optmodel datasets list')."),
    data_dir: Path | None = DATA_DIR_OPTION,
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        metavar="URL",
        help="Fetch from a mirror laid out as URL/<repo>/<commit>/<path> "
        "(default $OPTMODEL_DATASETS_BASE_URL, else GitHub's raw file server).",
    ),
) -> None:
    """Download NAMES from their public sources, normalise them and verify the checksums.

    Every name is tried; one line per dataset says what happened, and the exit code is non-zero when
    any failed.
    """
    from rich.markup import escape

    from optmodel.benchmarks.datasets.fetch import fetch_dataset
    from optmodel.benchmarks.datasets.loader import resolve_data_dir
    from optmodel.cli.exit_codes import ExitCode
    from optmodel.cli.output import console
    from optmodel.errors import DatasetError

    target = resolve_data_dir(data_dir)
    failed = 0
    for name in names:
        try:
            status = fetch_dataset(name, target, base_url)
        except (DatasetError, OSError) as exc:
            failed += 1
            console.print(f"{escape(name)}: [red]failed[/red]: {escape(str(exc))}", soft_wrap=True)
            continue
        console.print(
            f"{escape(name)}: fetched and verified ({status.verification}), {status.count} problems "
            f"-> {escape(str(status.path))}",
            soft_wrap=True,
        )
        if status.licence_warning:
            console.print(f"  licence: {status.licence} ({status.licence_warning})")
    if failed:
        console.print(f"{failed} of {len(names)} dataset(s) failed")
        raise typer.Exit(ExitCode.ERROR)
