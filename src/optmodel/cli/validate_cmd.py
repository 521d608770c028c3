"""``optmodel validate``: report every problem in a Formulation file."""

from __future__ import annotations

from pathlib import Path

import typer

from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.model_files import describe_math_program, is_math_program


def validate(
    model: Path = typer.Argument(..., help="A .json or .yaml Formulation, or an .lp/.mps file."),
    output: str = typer.Option("table", "--output", help="table or json."),
) -> None:
    """Check MODEL and print all problems at once (exit code 3 when there are errors)."""
    from optmodel.cli.output import console, print_issues, print_json
    from optmodel.errors import ModelFileError
    from optmodel.modeling.checks.validate import validate as run_validate
    from optmodel.modeling.language.load import decode_text

    if is_math_program(model):
        _validate_math_program(model, output)
    try:
        document = decode_text(model.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelFileError(f"cannot read {model}: {exc.strerror}") from exc
    issues = run_validate(document, base_dir=model.parent)
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


def _validate_math_program(model: Path, output: str) -> None:
    """An LP/MPS file is valid when every line parses strictly and it holds a model with variables."""
    from rich.markup import escape

    from optmodel.cli.output import console, err_console, print_json
    from optmodel.errors import ModelFileError

    try:
        summary = describe_math_program(model)
    except ModelFileError as exc:
        if output == "json":
            print_json(
                [
                    {
                        "path": "(file)",
                        "code": "schema",
                        "severity": "error",
                        "message": str(exc),
                        "hint": "",
                    }
                ]
            )
        else:
            err_console.print(f"[red]invalid[/red] {escape(str(exc))}")
        raise typer.Exit(ExitCode.INVALID_MODEL) from exc
    if output == "json":
        print_json([])
    else:
        console.print(f"{escape(str(model))}: [green]valid[/green] ({summary})")
    raise typer.Exit(ExitCode.OK)
