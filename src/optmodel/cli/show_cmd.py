"""``optmodel show``: a Formulation as readable math."""

from __future__ import annotations

from pathlib import Path

import typer


def show(
    model: Path = typer.Argument(..., help="A .json or .yaml Formulation."),
    latex: bool = typer.Option(False, "--latex", help="Print LaTeX instead of plain text."),
) -> None:
    """Print MODEL as mathematics (plain text, or LaTeX with --latex)."""
    from optmodel.cli.output import console
    from optmodel.modeling.load import load_formulation
    from optmodel.modeling.render import render_latex, render_text

    formulation = load_formulation(model)
    console.print(
        render_latex(formulation) if latex else render_text(formulation),
        markup=False,
        soft_wrap=True,
    )
