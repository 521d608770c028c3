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
) -> None:
    """Download NAMES from their public sources, normalise them and verify the checksums."""
    from optmodel.benchmarks.datasets.fetch import fetch_dataset
    from optmodel.benchmarks.datasets.loader import resolve_data_dir
    from optmodel.cli.output import console

    target = resolve_data_dir(data_dir)
    for name in names:
        status = fetch_dataset(name, target)
        console.print(f"{name}: {status.count} problems, {status.verification} -> {status.path}")
        if status.licence_warning:
            console.print(f"  licence: {status.licence} ({status.licence_warning})")
