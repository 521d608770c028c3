"""Each expression and domain string is parsed once, whichever stages read it.

Validation, data resolution, the Pyomo compiler, the matrix fast path, both renderers and the solution check
all read the trees of :mod:`optmodel.modeling.language.parser`; a stage that re-parsed a string (or
bypassed the cached parsers) would show up here as a second ``ast.parse`` of the same text.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from optmodel.modeling.checks.validate import validate_resolved
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language import parser
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.matrix import NotVectorizable, build_matrix, check_matrix_solution
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.modeling.render import render_latex, render_markdown, render_text
from optmodel.modeling.solution_check import check_solution

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"


class _CountingAst:
    """The ``ast`` module as the expression language sees it, counting what it parses."""

    def __init__(self) -> None:
        self.parsed: Counter[str] = Counter()

    def parse(self, text: str, *args: Any, **kwargs: Any) -> ast.AST:
        self.parsed[text] += 1
        return ast.parse(text, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(ast, name)


def _zero_values(compiled: Any, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        var = compiled.var(name)
        values[name] = {k: 0.0 for k in var.index_set()} if var.is_indexed() else 0.0
    return values


def _full_cycle(path: Path) -> None:
    formulation = load_formulation(path)
    issues, data = validate_resolved(formulation)
    assert not errors_only(issues), path.name
    assert data is not None
    compiled = compile_formulation(formulation, data)
    values = _zero_values(compiled, list(formulation.variables))
    check_solution(formulation, values, data)
    try:
        matrix = build_matrix(formulation, data)
    except NotVectorizable:
        pass  # nonlinear or logic: the Pyomo path above is the one used
    else:
        check_matrix_solution(matrix, values)
    render_text(formulation)
    render_latex(formulation)
    render_markdown(formulation)


def test_every_golden_model_parses_each_string_once_per_validate_compile_render_check_cycle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = sorted(p for p in GOLDEN.glob("*.json") if p.name != "manifest.json")
    assert len(paths) >= 30
    counting = _CountingAst()
    monkeypatch.setattr(parser, "ast", counting)
    repeated: dict[str, dict[str, int]] = {}
    for path in paths:
        ex.parse.cache_clear()
        ex.parse_domain.cache_clear()
        counting.parsed.clear()
        _full_cycle(path)
        assert counting.parsed, path.name  # the counter sees the parses (the test can fail)
        again = {text: n for text, n in counting.parsed.items() if n > 1}
        if again:
            repeated[path.name] = again
    assert repeated == {}


def test_a_string_that_does_not_parse_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingAst()
    monkeypatch.setattr(parser, "ast", counting)
    for _ in range(2):
        with pytest.raises(Exception, match="invalid"):
            ex.parse_domain("i in I,, j")
    assert counting.parsed["(i in I,, j,)"] == 2  # an error is raised again, never cached
    assert ex.parse_domain("k in K") is ex.parse_domain("k in K")
