"""A Formulation rendered as text, LaTeX or Markdown."""

from __future__ import annotations

from optmodel.modeling.render.formulation import render_latex, render_markdown, render_text

__all__ = ["render_latex", "render_markdown", "render_text"]
