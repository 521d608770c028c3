"""``optmodel datasets list|show|fetch``: what benchmark data is available, and getting it from its public source."""

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


#: Characters of a licence shown in ``datasets list``; ``datasets show NAME`` prints all of it.
LICENCE_WIDTH = 24


@datasets_app.command("list")
def list_cmd(data_dir: Path | None = DATA_DIR_OPTION) -> None:
    """Every registered dataset, whether it is present and verified, its size and licence (shortened)."""
    from rich import box
    from rich.table import Table

    from optmodel.benchmarks.datasets.loader import list_datasets, resolve_data_dir
    from optmodel.cli.output import console

    table = Table(
        title=f"datasets in {resolve_data_dir(data_dir)}", title_justify="left", box=box.SIMPLE
    )
    for column in ("name", "present", "check", "items"):
        table.add_column(column, no_wrap=True)
    table.add_column("licence", no_wrap=True, overflow="ellipsis", max_width=LICENCE_WIDTH)
    for status in list_datasets(data_dir):
        licence = status.licence + (" (see warning)" if status.licence_warning else "")
        table.add_row(
            status.name,
            "yes" if status.present else "no",
            status.verification,
            str(status.count),
            _shorten(licence),
        )
    console.print(table)
    console.print("full licence and source: optmodel datasets show NAME")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LICENCE_WIDTH else text[: LICENCE_WIDTH - 1] + "…"


@datasets_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="Dataset name (see 'optmodel datasets list')."),
    data_dir: Path | None = DATA_DIR_OPTION,
) -> None:
    """One dataset in full: description, source, licence (with any warning), file and whether it is present."""
    from rich.markup import escape

    from optmodel.benchmarks.datasets.loader import dataset_status, resolve_data_dir
    from optmodel.benchmarks.datasets.registry import get_spec
    from optmodel.cli.output import console

    spec = get_spec(name)
    status = dataset_status(spec, resolve_data_dir(data_dir))
    lines = [
        ("name", spec.name),
        ("description", spec.description),
        ("items", str(spec.count)),
        ("source", f"https://github.com/{spec.source.repo} @ {spec.source.commit}"),
        ("licence", spec.licence),
        ("licence warning", spec.licence_warning or ""),
        ("file", status.path),
        ("present", f"{'yes' if status.present else 'no'} ({status.verification})"),
        ("fetch", spec.fetch_command),
    ]
    for label, value in lines:
        if value:
            console.print(f"[bold]{label:<16}[/bold]{escape(value)}")


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
