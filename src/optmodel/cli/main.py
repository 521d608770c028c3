"""The ``optmodel`` command. Each sub-command lives in its own module and imports heavy code lazily."""

from __future__ import annotations

import typer

from optmodel.cli import bench_cmd, formulate_cmd, show_cmd, solve_cmd, validate_cmd
from optmodel.cli.datasets_cmd import datasets_app
from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.library_cmd import library_app

app = typer.Typer(
    name="optmodel",
    help="Turn optimization problems, in plain language or as models, into solved mathematical models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("solve")(solve_cmd.solve)
app.command("formulate")(formulate_cmd.formulate)
app.command("validate")(validate_cmd.validate)
app.command("show")(show_cmd.show)
app.command("bench")(bench_cmd.bench)
app.add_typer(datasets_app, name="datasets")
app.add_typer(library_app, name="library")


def _version(value: bool) -> None:
    if value:
        from optmodel import __version__

        typer.echo(f"optmodel {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """optmodel: plain-language optimization to solved models, on open solvers and any LLM."""


def run() -> None:
    """Entry point: the app, with optmodel's own errors shown as messages rather than tracebacks."""
    from optmodel.errors import OptmodelError

    try:
        app()
    except OptmodelError as exc:
        from optmodel.cli.output import err_console, print_issues
        from optmodel.cli.solve_cmd import _error_code
        from optmodel.errors import FormulationError

        if isinstance(exc, FormulationError):
            print_issues(exc.issues, title="the model is not valid")
            raise SystemExit(ExitCode.INVALID_MODEL) from None
        from rich.markup import escape

        err_console.print(f"[red]error[/red]: {escape(str(exc))}")
        raise SystemExit(_error_code(exc)) from None


if __name__ == "__main__":
    run()
