"""``optmodel show``: a Formulation as readable math."""

from __future__ import annotations

from pathlib import Path

import typer

from optmodel.cli.model_files import is_math_program, math_program_text


def show(
    model: Path = typer.Argument(
        ..., help="A .json or .yaml Formulation, or an .lp/.mps file (shown as LP text)."
    ),
    latex: bool = typer.Option(False, "--latex", help="Print LaTeX instead of plain text."),
) -> None:
    """Print MODEL as mathematics (plain text, or LaTeX with --latex)."""
    from optmodel.cli.output import console
    from optmodel.modeling.language.load import load_formulation
    from optmodel.modeling.render import render_latex, render_text

    if is_math_program(model):
        if latex:
            raise typer.BadParameter(
                "--latex needs a Formulation; LP/MPS files are shown as LP text"
            )
        console.print(math_program_text(model), markup=False, soft_wrap=True)
        return
    formulation = load_formulation(model)
    console.print(
        render_latex(formulation) if latex else render_text(formulation),
        markup=False,
        soft_wrap=True,
    )
