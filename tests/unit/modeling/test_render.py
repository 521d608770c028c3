"""render_text / render_latex / render_markdown: the model as mathematics a person can check."""

from __future__ import annotations

from typing import Any

import pytest

from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.render import render_latex, render_markdown, render_text

TRANSPORT: dict[str, Any] = {
    "name": "transport",
    "description": "Ship from plants to markets at least cost.",
    "sets": {"I": ["seattle", "san_diego"], "J": ["new_york", "chicago", "topeka"]},
    "parameters": {
        "a": {
            "index": ["I"],
            "values": {"seattle": 350, "san_diego": 600},
            "description": "supply",
        },
        "b": {"index": ["J"], "values": [325, 300, 275]},
        "d": {"index": ["I", "J"], "values": [[2.5, 1.7, 1.8], [2.5, 1.8, 1.4]]},
        "f": 90,
    },
    "variables": {"x": {"index": ["I", "J"], "description": "cases shipped"}},
    "objective": {
        "sense": "minimize",
        "expression": "sum(f * d[i, j] / 1000 * x[i, j] for i in I for j in J)",
    },
    "constraints": {
        "supply": {"forall": "i in I", "expression": "sum(x[i, j] for j in J) <= a[i]"},
        "demand": {"forall": "j in J", "expression": "sum(x[i, j] for i in I) >= b[j]"},
    },
}


@pytest.fixture
def transport() -> Formulation:
    return Formulation.model_validate(TRANSPORT)


def test_text_shows_every_part_of_the_model(transport: Formulation) -> None:
    text = render_text(transport)
    assert text.startswith("transport\nShip from plants")
    assert "  I = {seattle, san_diego}" in text
    assert "  a[i], i ∈ I  — supply" in text
    assert "  f = 90" in text
    assert "  x[i, j] ≥ 0, continuous, for all i ∈ I, j ∈ J  — cases shipped" in text
    assert "  minimize Σ_{i ∈ I} Σ_{j ∈ J} f · d[i, j] / 1000 · x[i, j]" in text
    assert "  supply: for all i ∈ I: Σ_{j ∈ J} x[i, j] ≤ a[i]" in text
    assert "  demand: for all j ∈ J: Σ_{i ∈ I} x[i, j] ≥ b[j]" in text
    assert text.index("Sets:") < text.index("Parameters:") < text.index("Variables:")
    assert text.index("Objective:") < text.index("Subject to:")


def test_latex_is_an_align_block_with_symbolic_sums(transport: Formulation) -> None:
    latex = render_latex(transport)
    assert "\\begin{align*}" in latex and latex.rstrip().endswith("\\end{align*}")
    assert (
        "\\min \\quad & \\sum_{i \\in I} \\sum_{j \\in J} \\frac{f d_{i,j}}{1000} x_{i,j}" in latex
    )
    assert "\\sum_{j \\in J} x_{i,j} \\le a_{i} && \\forall i \\in I && \\text{(supply)}" in latex
    assert "\\sum_{i \\in I} x_{i,j} \\ge b_{j} && \\forall j \\in J && \\text{(demand)}" in latex
    assert "x_{i,j} \\ge 0 && \\forall i \\in I, j \\in J" in latex
    assert "seattle" not in latex  # nothing is expanded over the data
    assert latex.count("{") == latex.count("}")


def test_markdown_wraps_the_model_in_a_display_block(transport: Formulation) -> None:
    transport.description = "Freight costs $90 per case."
    markdown = render_markdown(transport)
    assert markdown.startswith("# transport\n\nFreight costs \\$90 per case.\n")  # not a formula
    assert "- $x_{i,j}$ — cases shipped" in markdown
    assert "- $a_{i}, \\quad i \\in I$ — supply" in markdown
    assert "$$\n\\begin{aligned}" in markdown and "\\end{aligned}\n$$" in markdown


def test_output_is_deterministic(transport: Formulation) -> None:
    again = Formulation.model_validate_json(transport.to_json())
    for render in (render_text, render_latex, render_markdown):
        assert render(transport) == render(again)


def model(
    objective: str, constraints: dict[str, Any] | None = None, **variables: Any
) -> Formulation:
    return Formulation.model_validate(
        {
            "sets": {"I": [1, 2], "T": {"range": [1, 4]}, "ARCS": [[1, 2], [2, 1]]},
            "parameters": {"c": {"index": ["I"], "values": [1, 2]}, "alpha": 0.5, "cap": 4},
            "variables": variables or {"x": {"index": ["I"]}, "y": {"type": "binary"}},
            "objective": {"sense": "max", "expression": objective},
            "constraints": constraints or {},
        }
    )


@pytest.mark.parametrize(
    ("objective", "text", "latex"),
    [
        ("(x[1] + x[2]) * alpha", "(x[1] + x[2]) · alpha", "\\left(x_{1} + x_{2}\\right) \\alpha"),
        ("x[1] - (x[2] - y)", "x[1] - (x[2] - y)", "x_{1} - \\left(x_{2} - y\\right)"),
        ("x[1] - x[2] + y", "x[1] - x[2] + y", "x_{1} - x_{2} + y"),
        ("-(x[1] + y)", "-(x[1] + y)", "-\\left(x_{1} + y\\right)"),
        (
            "sum(x[i] for i in I) * 2",
            "(Σ_{i ∈ I} x[i]) · 2",
            "\\left(\\sum_{i \\in I} x_{i}\\right) \\cdot 2",
        ),
        (
            "sum(c[i] * x[i] + y for i in I)",
            "Σ_{i ∈ I} (c[i] · x[i] + y)",
            "\\sum_{i \\in I} \\left(c_{i} x_{i} + y\\right)",
        ),
        (
            "sum(x[i] for i in I if c[i] >= 2)",
            "Σ_{i ∈ I : c[i] ≥ 2} x[i]",
            "\\sum_{\\substack{i \\in I \\\\ c_{i} \\ge 2}} x_{i}",
        ),
        (
            "sum(x[a] for (a, b) in ARCS)",
            "Σ_{(a, b) ∈ ARCS} x[a]",
            "\\sum_{\\left(a, b\\right) \\in \\mathit{ARCS}} x_{a}",
        ),
        ("alpha * x[1] ** 2", "alpha · x[1]^2", "\\alpha x_{1}^{2}"),
        (
            "sqrt(x[1]) + abs(y) + len(I)",
            "sqrt(x[1]) + |y| + |I|",
            "\\sqrt{x_{1}} + \\left|y\\right| + \\left|I\\right|",
        ),
        ("x[1] / (cap + 1)", "x[1] / (cap + 1)", "\\frac{x_{1}}{\\mathit{cap} + 1}"),
        ("0.000001 * y", "1e-06 · y", "1 \\cdot 10^{-6} y"),
        ("(c[1] if cap > 2 else 0) * y", "(c[1] if cap > 2, else 0) · y", "\\begin{cases}"),
    ],
)
def test_expressions_get_exactly_the_parentheses_they_need(
    objective: str, text: str, latex: str
) -> None:
    f = model(objective)
    assert f"maximize {text}\n" in render_text(f)
    assert latex in render_latex(f)


def test_variable_domains_bounds_and_types() -> None:
    f = model(
        "x + n + y + z + w",
        x={"lb": None},
        n={"type": "integer", "ub": 10},
        y={"type": "binary"},
        z={"index": "t in T", "lb": 1, "ub": "cap * t"},
        w={"lb": -1, "ub": 1},
    )
    text = render_text(f)
    assert "  x free, continuous" in text
    assert "  n ≤ 10, integer" not in text and "  0 ≤ n ≤ 10, integer" in text
    assert "  y ∈ {0, 1}" in text
    assert "  1 ≤ z[t] ≤ cap · t, continuous, for all t ∈ T" in text
    latex = render_latex(f)
    assert "x \\in \\mathbb{R}" in latex
    assert "n \\in \\mathbb{Z},\\ 0 \\le n \\le 10" in latex
    assert "y \\in \\{0, 1\\}" in latex
    assert "1 \\le z_{t} \\le \\mathit{cap} t && \\forall t \\in T" in latex


def test_sets_of_every_kind_and_filtered_constraints() -> None:
    f = Formulation.model_validate(
        {
            "sets": {
                "N": {"range": [1, "n"]},
                "PAIRS": {"from": "i in N, j in N", "where": "i < j"},
                "BIG": list(range(20)),
            },
            "parameters": {"n": 5},
            "variables": {"x": {"index": ["PAIRS"]}},
            "objective": {"sense": "min", "expression": "sum(x[i, j] for (i, j) in PAIRS)"},
            "constraints": {
                "link": {"forall": "i in N, j in N", "where": "i < j", "expression": "x[i, j] <= 1"}
            },
        }
    )
    text = render_text(f)
    assert "  N = {1, …, n}" in text
    assert "  PAIRS = {i ∈ N, j ∈ N with i < j}" in text
    assert "  BIG = {0, 1, 2, 3, 4, 5, 6, 7, …} (20 members)" in text
    assert "  link: for all i ∈ N, j ∈ N with i < j: x[i, j] ≤ 1" in text
    assert "\\forall i \\in N, j \\in N : i < j" in render_latex(f)


def test_names_become_latex_symbols_and_text_is_escaped() -> None:
    f = Formulation.model_validate(
        {
            "parameters": {"alpha_2": 1, "unit_cost": 2, "mu": 3},
            "variables": {"x1": {}, "big_flow": {}},
            "objective": {"sense": "min", "expression": "alpha_2 * x1 + unit_cost * big_flow + mu"},
            "constraints": {"cap_#1": {"expression": "x1 <= 'a_b'"}},
        }
    )
    latex = render_latex(f)
    assert "\\alpha_{2} x_{1} + \\mathit{unit\\_cost} \\mathit{big\\_flow} + \\mu" in latex
    assert "\\text{(cap\\_\\#1)}" in latex and "\\text{a\\_b}" in latex


def test_unparsable_expressions_are_shown_as_written() -> None:
    f = Formulation.model_validate(
        {
            "variables": {"x": {}},
            "objective": {"sense": "min", "expression": "x +"},
            "constraints": {"c": {"forall": "i of I", "expression": "x ^ 2 <= 1"}},
        }
    )
    assert "  minimize x +\n" in render_text(f)
    assert "  c: for all i of I: x ^ 2 <= 1" in render_text(f)
    assert "\\text{x \\textasciicircum{} 2 <= 1}" in render_latex(f)


def test_descriptions_follow_what_they_describe() -> None:
    f = model("y", {"cover": {"expression": "y >= 1", "description": "at least one"}})
    f.objective.description = "the count"
    text = render_text(f)
    assert "  maximize y  — the count\n" in text
    assert "  cover: y ≥ 1  — at least one\n" in text
    f.name = "two\nlines"
    assert render_latex(f).startswith("% two lines\n")


def test_assumptions_are_rendered_and_round_trip() -> None:
    from optmodel.modeling.language.ir import Formulation
    from optmodel.modeling.render import render_latex, render_markdown, render_text

    stated = Formulation.model_validate(
        {
            "assumptions": ["cost is per truck-km, a truck carries at most 2 containers"],
            "variables": {"x": {}},
            "objective": {"sense": "min", "expression": "x"},
        }
    )
    assert "Assumptions:\n  - cost is per truck-km" in render_text(stated)
    assert "- cost is per truck-km" in render_markdown(stated)
    assert "% assumes: cost is per truck-km" in render_latex(stated)
    assert Formulation.model_validate(stated.to_dict()) == stated
    plain = Formulation.model_validate(
        {"variables": {"x": {}}, "objective": {"sense": "min", "expression": "x"}}
    )
    assert "assumptions" not in plain.to_dict() and "Assumptions" not in render_text(plain)
