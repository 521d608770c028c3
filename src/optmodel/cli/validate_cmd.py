"""``optmodel validate``: report every problem in a Formulation file."""

from __future__ import annotations

from pathlib import Path

import typer

from optmodel.cli.exit_codes import ExitCode


def validate(
    model: Path = typer.Argument(..., help="A .json or .yaml Formulation."),
    output: str = typer.Option("table", "--output", help="table or json."),
) -> None:
    """Check MODEL and print all problems at once (exit code 3 when there are errors)."""
    from optmodel.cli.output import console, print_issues, print_json
    from optmodel.errors import ModelFileError
    from optmodel.modeling.load import decode_text
    from optmodel.modeling.validate import validate as run_validate

    try:
        document = decode_text(model.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelFileError(f"cannot read {model}: {exc.strerror}") from exc
    issues = run_validate(document)
    errors = [i for i in issues if i.severity.value == "error"]
    if output == "json":
        print_json([i.to_dict() for i in issues])
    elif issues:
        print_issues(
            issues, title=f"{model}: {len(errors)} error(s), {len(issues) - len(errors)} warning(s)"
        )
    else:
        console.print(f"{model}: [green]valid[/green]")
    raise typer.Exit(ExitCode.INVALID_MODEL if errors else ExitCode.OK)
