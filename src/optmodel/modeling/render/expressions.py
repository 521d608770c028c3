"""Expression trees as mathematics: plain text (Σ, ≤, ∈) and LaTeX (\\sum, \\le, subscripts).

A tree walker over :mod:`optmodel.modeling.language.expressions` nodes with operator precedence, so only the
parentheses mathematics needs are written. Sums stay symbolic. Names become LaTeX symbols through
sympy's naming (``alpha_2`` -> ``\\alpha_{2}``) when they look like symbols, ``\\mathit{...}`` otherwise.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import ClassVar

from optmodel.modeling.language import expressions as ex

# Precedence: a child is parenthesised when it binds more loosely than its place requires.
_IFELSE, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _UNARY, _POW, _ATOM = range(10)
_BOOL_PRECEDENCE = {"or": _OR, "and": _AND}

_GREEK = frozenset(
    {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
    }
    | {
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
    }
)
_SYMBOL_LIKE = re.compile(r"([A-Za-z]+?)(?:_([A-Za-z0-9]+)|(\d+))?")
_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"} | {
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_escape(text: str) -> str:
    """Text safe inside ``\\text{...}``."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


@lru_cache(maxsize=1024)
def latex_name(name: str) -> str:
    """A declared or index name as a LaTeX symbol."""
    match = _SYMBOL_LIKE.fullmatch(name)
    if match and (len(match.group(1)) == 1 or match.group(1).lower() in _GREEK):
        import sympy  # slow to import; only LaTeX output needs it

        return str(sympy.latex(sympy.Symbol(name)))
    return rf"\mathit{{{latex_escape(name)}}}"


class TextRenderer:
    """Plain-text mathematics with Unicode operators."""

    ops: ClassVar[dict[str, str]] = {
        "<=": "≤",
        ">=": "≥",
        "==": "=",
        "!=": "≠",
        "<": "<",
        ">": ">",
        "in": "∈",
        "not in": "∉",
    }

    def render(self, node: ex.Node) -> str:
        """The node as text."""
        return self.walk(node)[0]

    def walk(self, node: ex.Node) -> tuple[str, int]:
        if isinstance(node, ex.Const):
            return self.const(node.value), _ATOM
        if isinstance(node, ex.Name):
            return self.name(node.id), _ATOM
        if isinstance(node, ex.Subscript):
            return self.subscript(node.name, [self.render(i) for i in node.indices]), _ATOM
        if isinstance(node, ex.Unary):
            return f"{'-' if node.op == '-' else '+'}{self.child(node.operand, _UNARY)}", _UNARY
        if isinstance(node, ex.Binary):
            return self.binary(node)
        if isinstance(node, ex.Call):
            return self.call(node.func, node.args), _ATOM
        if isinstance(node, ex.Sum):
            return self.sum(node), _MUL
        if isinstance(node, ex.Compare):
            parts = [self.child(node.operands[0], _COMPARE + 1)]
            for op, operand in zip(node.ops, node.operands[1:], strict=True):
                parts += [self.ops[op], self.child(operand, _COMPARE + 1)]
            return " ".join(parts), _COMPARE
        if isinstance(node, ex.BoolOp):
            level = _BOOL_PRECEDENCE[node.op]
            return f" {self.bool_word(node.op)} ".join(
                self.child(v, level + 1) for v in node.values
            ), level
        if isinstance(node, ex.Not):
            return f"{self.bool_word('not')} {self.child(node.operand, _NOT)}", _NOT
        if isinstance(node, ex.TupleNode):
            return "(" + ", ".join(self.render(i) for i in node.items) + ")", _ATOM
        if isinstance(node, ex.IfElse):
            return self.if_else(node), _IFELSE
        raise TypeError(f"cannot render {node!r}")

    def child(self, node: ex.Node, required: int) -> str:
        text, precedence = self.walk(node)
        return text if precedence >= required else self.parens(text)

    def parens(self, text: str) -> str:
        return f"({text})"

    def binary(self, node: ex.Binary) -> tuple[str, int]:
        if node.op in ("+", "-"):
            right = self.child(node.right, _ADD + (node.op == "-"))
            return f"{self.child(node.left, _ADD)} {self.sign(node.op)} {right}", _ADD
        if node.op in ("*", "/", "%"):
            left = self.operand_left(node.left)
            right = self.child(node.right, _MUL + 1)
            return self.product(node.op, left, right, node.right), _MUL
        base = self.child(node.left, _ATOM)
        return self.power(base, node.right), _POW

    def operand_left(self, node: ex.Node) -> str:
        # (Σ_i x_i) · 2: a sum reaches as far right as it can, so it needs parentheses on the left.
        if isinstance(node, ex.Sum):
            return self.parens(self.render(node))
        return self.child(node, _MUL)

    def sign(self, op: str) -> str:
        return "-" if op == "-" else "+"

    def product(self, op: str, left: str, right: str, right_node: ex.Node) -> str:
        return {"*": f"{left} · {right}", "/": f"{left} / {right}"}.get(op, f"{left} mod {right}")

    def power(self, base: str, exponent: ex.Node) -> str:
        return f"{base}^{self.child(exponent, _ATOM)}"

    def const(self, value: float | int | str) -> str:
        if isinstance(value, str):
            return repr(value)
        return self.name("inf") if value == math.inf else number_text(value)

    def name(self, name: str) -> str:
        return "∞" if name == "inf" else name

    def subscript(self, name: str, indices: list[str]) -> str:
        return f"{name}[{', '.join(indices)}]"

    def call(self, func: str, args: tuple[ex.Node, ...]) -> str:
        rendered = [self.render(a) for a in args]
        if func == "len":
            return f"|{rendered[0]}|"
        if func == "abs":
            return f"|{rendered[0]}|"
        return f"{func}({', '.join(rendered)})"

    def set_ref(self, clause: ex.DomainClause) -> str:
        """A set's name, or a set family's member ``NB[i]`` (``NB_{i}`` in LaTeX)."""
        if not clause.set_index:
            return self.name(clause.set_name)
        return self.subscript(clause.set_name, [self.render(i) for i in clause.set_index])

    def generator(self, gen: ex.Generator) -> str:
        text = f"{self.targets(gen.targets)} ∈ {self.set_ref(gen)}"
        if gen.conditions:
            text += " : " + " and ".join(self.child(c, _AND + 1) for c in gen.conditions)
        return text

    def sum(self, node: ex.Sum) -> str:
        if isinstance(node, ex.Over):
            domain = ", ".join(self.generator(g) for g in node.generators)
            return f"{node.func}_{{{domain}}} {self.child(node.body, _MUL)}"
        heads = "".join(f"Σ_{{{self.generator(g)}}} " for g in node.generators)
        return heads + self.child(node.body, _MUL)

    def targets(self, targets: tuple[str, ...]) -> str:
        names = [self.name(t) for t in targets]
        return names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"

    def bool_word(self, op: str) -> str:
        return op

    def if_else(self, node: ex.IfElse) -> str:
        body, test, orelse = (
            self.render(node.body),
            self.render(node.test),
            self.render(node.orelse),
        )
        return f"{body} if {test}, else {orelse}"

    def domain(self, clauses: tuple[ex.DomainClause, ...], where: ex.Node | None = None) -> str:
        text = ", ".join(f"{self.targets(c.targets)} ∈ {self.set_ref(c)}" for c in clauses)
        return text + (f" with {self.render(where)}" if where is not None else "")


class LatexRenderer(TextRenderer):
    """LaTeX mathematics (for ``align`` environments and Markdown ``$$`` blocks)."""

    ops: ClassVar[dict[str, str]] = {
        "<=": r"\le",
        ">=": r"\ge",
        "==": "=",
        "!=": r"\ne",
        "<": "<",
        ">": ">",
        "in": r"\in",
        "not in": r"\notin",
    }
    functions: ClassVar[dict[str, str]] = {
        "exp": r"\exp",
        "log": r"\ln",
        "log10": r"\log_{10}",
        "sin": r"\sin",
        "cos": r"\cos",
        "min": r"\min",
        "max": r"\max",
        "round": r"\operatorname{round}",
    }

    def parens(self, text: str) -> str:
        return rf"\left({text}\right)"

    def binary(self, node: ex.Binary) -> tuple[str, int]:
        if node.op == "/":
            return rf"\frac{{{self.render(node.left)}}}{{{self.render(node.right)}}}", _POW
        return super().binary(node)

    def product(self, op: str, left: str, right: str, right_node: ex.Node) -> str:
        if op == "%":
            return rf"{left} \bmod {right}"
        numeric = isinstance(right_node, ex.Const | ex.Unary) or right[:1].isdigit()
        return f"{left} \\cdot {right}" if numeric else f"{left} {right}"

    def power(self, base: str, exponent: ex.Node) -> str:
        return f"{base}^{{{self.render(exponent)}}}"

    def const(self, value: float | int | str) -> str:
        if isinstance(value, str):
            return rf"\text{{{latex_escape(value)}}}"
        if value == math.inf:
            return self.name("inf")
        text = number_text(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return text

    def name(self, name: str) -> str:
        return r"\infty" if name == "inf" else latex_name(name)

    def subscript(self, name: str, indices: list[str]) -> str:
        base = latex_name(name)
        if re.search(r"(?<!\\)[_^]", base):  # x_{1} already has a subscript: x_{1} -> {x_{1}}_{i}
            base = f"{{{base}}}"
        return f"{base}_{{{','.join(indices)}}}"

    def call(self, func: str, args: tuple[ex.Node, ...]) -> str:
        rendered = [self.render(a) for a in args]
        if func in ("len", "abs"):
            return rf"\left|{rendered[0]}\right|"
        if func == "sqrt":
            return rf"\sqrt{{{rendered[0]}}}"
        if func == "ceil":
            return rf"\left\lceil {rendered[0]} \right\rceil"
        if func == "floor":
            return rf"\left\lfloor {rendered[0]} \right\rfloor"
        return self.functions.get(func, func) + rf"\left({', '.join(rendered)}\right)"

    def generator(self, gen: ex.Generator) -> str:
        text = f"{self.targets(gen.targets)} \\in {self.set_ref(gen)}"
        if gen.conditions:
            return (
                rf"\substack{{{text} \\ "
                + r" \land ".join(self.render(c) for c in gen.conditions)
                + "}"
            )
        return text

    def sum(self, node: ex.Sum) -> str:
        if isinstance(node, ex.Over):
            domain = ", ".join(self.generator(g) for g in node.generators)
            return rf"\{node.func}_{{{domain}}} " + self.child(node.body, _MUL)
        heads = "".join(rf"\sum_{{{self.generator(g)}}} " for g in node.generators)
        return heads + self.child(node.body, _MUL)

    def targets(self, targets: tuple[str, ...]) -> str:
        names = [self.name(t) for t in targets]
        return names[0] if len(names) == 1 else r"\left(" + ", ".join(names) + r"\right)"

    def bool_word(self, op: str) -> str:
        return {"and": r"\land", "or": r"\lor", "not": r"\lnot"}[op]

    def if_else(self, node: ex.IfElse) -> str:
        body, test, orelse = (
            self.render(node.body),
            self.render(node.test),
            self.render(node.orelse),
        )
        return rf"\begin{{cases}} {body} & \text{{if }} {test} \\ {orelse} & \text{{otherwise}} \end{{cases}}"

    def domain(self, clauses: tuple[ex.DomainClause, ...], where: ex.Node | None = None) -> str:
        text = ", ".join(f"{self.targets(c.targets)} \\in {self.set_ref(c)}" for c in clauses)
        return text + (f" : {self.render(where)}" if where is not None else "")


def number_text(value: float | int) -> str:
    """A number without a needless ".0"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
