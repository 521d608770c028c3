"""The expression language's parser: every whitelisted construct parses; everything else is refused clearly."""

from __future__ import annotations

import pytest

from optmodel.errors import ExpressionError
from optmodel.modeling.language import expressions as ex

ACCEPTED = [
    "3",
    "2.5e-3",
    "'A'",
    "x",
    "inf",
    "-x + +y",
    "(a + b) * c - d / e",
    "x ** 2",
    "x[i, j]",
    "s[t - 1]",
    "cost[i, 'B']",
    "sum(c[i] * x[i] for i in I)",
    "sum(x[i, j] for i in I for j in J if i != j)",
    "sum(flow[a, b] for (a, b) in ARCS if cap[a, b] > 0 and a in SOURCES)",
    "sum(x[i] for i in I if not (i in EXCLUDED))",
    "sum(x[i] for i in I if i not in EXCLUDED)",
    "exp(x) + log(y) + log10(z) + sqrt(w) + abs(v) + sin(u) + cos(t)",
    "min(a, b) + max(a, b, c) + len(I) + ceil(p) + floor(p) + round(p)",
    "lo <= x + y <= hi",
    "x >= 1",
    "x == 1",
    "x != 1",
    "x < 1",
    "x > 1",
    "(p if p > 0 else 0) * x",
    "a > 1 or b < 2",
    "x +\n y <= 3",
]


@pytest.mark.parametrize("source", ACCEPTED)
def test_whitelisted_constructs_parse_and_print_back(source: str) -> None:
    tree = ex.parse(source)
    assert ex.parse(ex.to_source(tree)) == tree


def test_parse_builds_the_documented_tree() -> None:
    tree = ex.parse("sum(c[i] * x[i] for i in I if c[i] > 0) <= cap")
    assert isinstance(tree, ex.Compare) and tree.ops == ("<=",)
    total = tree.operands[0]
    assert isinstance(total, ex.Sum)
    assert total.generators[0].targets == ("i",) and total.generators[0].set_name == "I"
    assert total.body == ex.Binary(
        "*", ex.Subscript("c", (ex.Name("i"),)), ex.Subscript("x", (ex.Name("i"),))
    )
    assert ex.free_names(tree) == {"c", "x", "I", "cap"}


def test_domains_parse_with_tuples_and_an_optional_for_all() -> None:
    assert ex.parse_domain("for all i in I, (j, k) in ARCS") == (
        ex.DomainClause(("i",), "I"),
        ex.DomainClause(("j", "k"), "ARCS"),
    )


REJECTED = [
    # (source, words the message must contain)
    ("data.cost[i]", "attribute access"),
    ("x.__class__", "attribute access"),
    ("foo(x)", "unknown function 'foo'"),
    ("eval('1')", "unknown function 'eval'"),
    ("__import__('os').system('ls')", "only plain function names"),
    ("__import__('os')", "unknown function '__import__'"),
    ("__builtins__", "may not start with '_'"),
    ("_secret + 1", "may not start with '_'"),
    ("(lambda: 1)()", "only plain function names"),
    ("lambda: 1", "lambdas"),
    ("[x[i] for i in I]", "comprehensions are only allowed inside sum"),
    ("{i for i in I}", "comprehensions are only allowed inside sum"),
    ("min(x[i] for i in range(3))", "may only iterate over a declared set"),
    ("f'{x}'", "JoinedStr"),
    ("(y := 3)", "NamedExpr"),
    ("max(*I)", "starred"),
    ("x[1:3]", "slices"),
    ("x[i][j]", "only names can be indexed"),
    ("sum(x, start=1)", "keyword arguments"),
    ("sum(x[i] for i in range(3))", "may only iterate over a declared set"),
    ("sum(x[i] for i in I + J)", "may only iterate over a declared set"),
    ("x is None", "'is' comparisons"),
    ("True", "literal"),
    ("x // 2", "not allowed"),
    ("[1, 2]", "literals are not allowed"),
    ("sum(x[i] for _i in I)", "may not start with '_'"),
]


@pytest.mark.parametrize(("source", "words"), REJECTED)
def test_syntax_outside_the_whitelist_is_rejected_with_a_clear_message(
    source: str, words: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        ex.parse(source)
    assert words in str(caught.value)
    assert caught.value.expression == source


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("x ^ 2", "'**'"),
        ("x = 3", "'=='"),
        ("sum(x[i] for i in range(5))", "range"),
        ("data.cost", "cost[i]"),
    ],
)
def test_common_mistakes_get_a_hint_saying_what_to_write(source: str, hint: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        ex.parse(source)
    assert hint in caught.value.hint


@pytest.mark.parametrize("source", ["", "   ", "x +", "sum(", "1 2"])
def test_empty_or_broken_text_is_a_syntax_error(source: str) -> None:
    with pytest.raises(ExpressionError):
        ex.parse(source)


@pytest.mark.parametrize(
    "source", ["i in I and j in J", "i in 3", "for i", "i, j in I", "x[i] in I"]
)
def test_malformed_domains_are_rejected(source: str) -> None:
    with pytest.raises(ExpressionError):
        ex.parse_domain(source)
