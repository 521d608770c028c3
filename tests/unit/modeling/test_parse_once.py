"""Each expression and domain string is parsed once, whichever stages read it.

Validation, data resolution, the Pyomo compiler, the matrix fast path, both renderers and the solution check
all read the trees of :mod:`optmodel.modeling.language.parser`; a stage that re-parsed a string (or
bypassed the cached parsers) would show up here as a second ``ast.parse`` of the same text.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

import pytest
from golden_cycle import GOLDEN, full_cycle

from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language import parser


class _CountingAst:
    """The ``ast`` module as the expression language sees it, counting what it parses."""

    def __init__(self) -> None:
        self.parsed: Counter[str] = Counter()

    def parse(self, text: str, *args: Any, **kwargs: Any) -> ast.AST:
        self.parsed[text] += 1
        return ast.parse(text, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(ast, name)


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
        full_cycle(path)
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
