"""Pieces shared by the text, LaTeX and Markdown renderings: expressions, domains, logic, definitions, bounds."""

from __future__ import annotations

from typing import Any

from optmodel.errors import ExpressionError
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import (
    Formulation,
    LogicDef,
    PiecewiseDef,
    VarDef,
)
from optmodel.modeling.render.expressions import (
    LatexRenderer,
    TextRenderer,
    latex_escape,
)

MAX_MEMBERS = 8
TEXT = TextRenderer()
LATEX = LatexRenderer()


def render_expression(source: str, renderer: TextRenderer) -> str:
    """The expression in the renderer's notation; shown as written when it does not parse."""
    try:
        return renderer.render(ex.parse(source))
    except (ExpressionError, RecursionError):
        return raw_text(source, renderer)


def render_logic(ldef: LogicDef, renderer: TextRenderer) -> str:
    """``if b then R1 else R2`` / ``at least k of: R1; R2`` (with the renderer's symbols)."""
    latex = isinstance(renderer, LatexRenderer)
    if ldef.either is not None:
        parts = [render_expression(text, renderer) for text in ldef.either]
        if ldef.at_least == 1:
            return (r" \lor " if latex else " or ").join(f"({p})" for p in parts)
        head = (
            rf"\text{{at least {ldef.at_least} of: }}"
            if latex
            else f"at least {ldef.at_least} of: "
        )
        return head + ("; " if not latex else r";\ ").join(parts)
    condition = render_expression(ldef.if_ or "", renderer)
    then = render_expression(ldef.then or "", renderer)
    if latex:
        text = rf"{condition} \Rightarrow {then}"
        return text + (
            rf",\quad \lnot ({condition}) \Rightarrow {render_expression(ldef.else_, renderer)}"
            if ldef.else_
            else ""
        )
    text = f"if {condition} then {then}"
    return text + (f" else {render_expression(ldef.else_, renderer)}" if ldef.else_ else "")


def render_domain(forall: str | None, where: str | None, renderer: TextRenderer) -> str:
    if not forall:
        return ""
    try:
        clauses = ex.parse_domain(forall)
        condition = ex.parse(where) if where else None
    except (ExpressionError, RecursionError):
        return raw_text(forall + (f" where {where}" if where else ""), renderer)
    return renderer.domain(clauses, condition)


def raw_text(source: str, renderer: TextRenderer) -> str:
    return rf"\text{{{latex_escape(source)}}}" if isinstance(renderer, LatexRenderer) else source


def one_line(text: str) -> str:
    return " ".join(text.split())


def described(text: str, description: str | None) -> str:
    return f"  {text}" + (f"  — {description}" if description else "")


def index_names(var: VarDef, formulation: Formulation) -> tuple[list[str], str]:
    """Index names for a variable and the domain they range over (names derived from set names)."""
    if isinstance(var.index, str):
        try:
            clauses = ex.parse_domain(var.index) if var.index.strip() else ()
        except (ExpressionError, RecursionError):
            return ["…"], var.index
        return [t for c in clauses for t in c.targets], var.index
    names = index_symbols(var.index, formulation)
    return names, ", ".join(f"{n} in {s}" for n, s in zip(names, var.index, strict=True))


def index_symbols(set_names: list[str], formulation: Formulation) -> list[str]:
    """Index names for positions over ``set_names``: initials, unique and distinct from declared names."""
    taken = set(formulation.sets) | set(formulation.parameters) | set(formulation.variables)
    names: list[str] = []
    for set_name in set_names:
        base = set_name[:1].lower() if set_name[:1].isalpha() else "k"
        name, suffix = base, 2
        while name in taken or name in names:
            name, suffix = f"{base}{suffix}", suffix + 1
        names.append(name)
    return names


def render_bound(value: float | str | None, renderer: TextRenderer) -> str:
    if isinstance(value, str):
        return render_expression(value, renderer)
    return renderer.const(value) if value is not None else ""


def shown_members(members: list[Any]) -> list[str]:
    def one(m: Any) -> str:
        return "(" + ", ".join(one(p) for p in m) + ")" if isinstance(m, list | tuple) else str(m)

    shown = [one(m) for m in members[:MAX_MEMBERS]]
    return shown + (["…"] if len(members) > MAX_MEMBERS else [])


def definition(name: str, index: str, body: str, renderer: TextRenderer) -> str:
    """``name[i, j] = BODY, for all i in I, j in J`` (a computed parameter, named expression or piecewise
    function; ``body`` is already rendered)."""
    try:
        targets = [t for clause in ex.parse_domain(index) for t in clause.targets] if index else []
    except (ExpressionError, RecursionError):
        targets = []
    latex = isinstance(renderer, LatexRenderer)
    if latex:
        symbol = (
            renderer.subscript(name, [renderer.name(t) for t in targets])
            if targets
            else renderer.name(name)
        )
    else:
        symbol = f"{name}[{', '.join(targets)}]" if targets else name
    text = f"{symbol} {':=' if latex else '='} {body}"
    if not targets:
        return text
    domain = render_domain(index, None, renderer)
    return text + (rf" && \forall {domain}" if latex else f", for all {domain}")


def piecewise_call(p: PiecewiseDef) -> str:
    """``piecewise of x through (p1 → v1), ...`` (shown as written: it is not an expression)."""
    pairs = [
        f"({point if isinstance(point, str) else f'{point:g}'} → {value if isinstance(value, str) else f'{value:g}'})"
        for point, value in zip(p.points, p.values, strict=False)
    ]
    return f"piecewise of {p.of} through {', '.join(pairs)}"
