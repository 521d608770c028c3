"""The ``optmodel`` command. Each sub-command lives in its own module and imports heavy code lazily."""

from __future__ import annotations

import os
import signal
import sys

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


def _stop_on_signal(number: int, _frame: object) -> None:
    name = signal.Signals(number).name
    sys.stderr.write(f"\noptmodel: stopped by {name}; results written so far are kept\n")
    raise SystemExit(128 + number)


def run() -> None:
    """Entry point: the app, with every failure shown as a message (and exit code), never a traceback.

    ``OPTMODEL_DEBUG=1`` shows the traceback of an unexpected error.
    """
    from optmodel.errors import OptmodelError

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        # Only replace the default (silent death); an ignored SIGHUP (nohup) stays ignored.
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _stop_on_signal)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\noptmodel: interrupted (Ctrl-C); results written so far are kept\n")
        raise SystemExit(130) from None
    except (MemoryError, RecursionError) as exc:
        sys.stderr.write(
            f"optmodel: ran out of {'memory' if isinstance(exc, MemoryError) else 'stack'}; "
            "the input is too large or too deeply nested (see the limits in the README)\n"
        )
        raise SystemExit(ExitCode.ERROR) from None
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
    except Exception as exc:  # a bug: say so in one line instead of a traceback
        if os.environ.get("OPTMODEL_DEBUG"):
            raise
        sys.stderr.write(
            f"optmodel: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in optmodel; run again with OPTMODEL_DEBUG=1 for the traceback and report it.\n"
        )
        raise SystemExit(ExitCode.ERROR) from None


if __name__ == "__main__":
    run()
