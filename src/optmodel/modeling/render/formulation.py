"""Human-readable mathematics of a Formulation: plain text, a LaTeX fragment, or Markdown.

>>> from optmodel.modeling.language.ir import Formulation
>>> f = Formulation.model_validate({
...     "sets": {"I": ["a", "b"]}, "parameters": {"c": {"index": ["I"], "values": [1, 2]}},
...     "variables": {"x": {"index": ["I"], "ub": 1}},
...     "objective": {"sense": "max", "expression": "sum(c[i] * x[i] for i in I)"},
...     "constraints": {"total": {"expression": "sum(x[i] for i in I) <= 1"}}})
>>> print(render_text(f).split("Objective:")[1].strip().splitlines()[0])
maximize Σ_{i ∈ I} c[i] · x[i]

Sums stay symbolic and nothing is evaluated: the output depends only on the Formulation (deterministic),
and expressions that do not parse are shown as written.
"""

from __future__ import annotations

from typing import Any

from optmodel.errors import ExpressionError
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import (
    Formulation,
    LogicDef,
    ParamDef,
    PiecewiseDef,
    SetDef,
    VarDef,
)
from optmodel.modeling.render.expressions import (
    LatexRenderer,
    TextRenderer,
    latex_escape,
    number_text,
)

_MAX_MEMBERS = 8
_TEXT = TextRenderer()
_LATEX = LatexRenderer()


def render_text(formulation: Formulation) -> str:
    """Plain-text mathematics: sets, parameters, variables, objective and constraints."""
    f = formulation
    lines = [f.name] + ([f.description] if f.description else [])
    if f.assumptions:
        lines += ["", "Assumptions:"] + [f"  - {a}" for a in f.assumptions]
    if f.missing_data:
        lines += ["", "Data the text does not give:"] + [f"  - {m}" for m in f.missing_data]
    if f.sets:
        lines += ["", "Sets:"]
        lines += [
            _described(f"{name} = {_set_text(name, s)}", s.description)
            for name, s in f.sets.items()
        ]
    if f.parameters:
        lines += ["", "Parameters:"]
        lines += [
            _described(_param_text(name, p, f), p.description) for name, p in f.parameters.items()
        ]
    lines += ["", "Variables:"]
    lines += [_described(_var_text(name, v, f), v.description) for name, v in f.variables.items()]
    if f.expressions or f.piecewise:
        lines += ["", "Expressions:"]
        lines += [
            _described(
                _definition(name, e.index, _expression(e.expression, _TEXT), _TEXT), e.description
            )
            for name, e in f.expressions.items()
        ]
        lines += [
            _described(_definition(name, p.index, _piecewise_call(p), _TEXT), p.description)
            for name, p in f.piecewise.items()
        ]
    objective = f"{f.objective.sense} {_expression(f.objective.expression, _TEXT)}"
    lines += ["", "Objective:", _described(objective, f.objective.description)]
    lines += [
        _described(f"then {g.sense} {_expression(g.expression, _TEXT)} ({g.name})", g.description)
        for g in f.objective.then
    ]
    if f.constraints:
        lines += ["", "Subject to:"]
        for name, con in f.constraints.items():
            domain = _domain(con.forall, con.where, _TEXT)
            prefix = f"for all {domain}: " if domain else ""
            text = f"{name}: {prefix}{_expression(con.expression, _TEXT)}"
            lines.append(_described(text, con.description))
    if f.logic:
        lines += ["", "Logic:"]
        for name, ldef in f.logic.items():
            domain = _domain(ldef.forall, ldef.where, _TEXT)
            prefix = f"for all {domain}: " if domain else ""
            lines.append(_described(f"{name}: {prefix}{_logic(ldef, _TEXT)}", ldef.description))
    return "\n".join(lines) + "\n"


def render_latex(formulation: Formulation) -> str:
    """A LaTeX fragment (needs amsmath): the model in an ``align*`` environment."""
    rows = _latex_rows(formulation)
    header = f"% {_one_line(formulation.name)}"
    header += "".join(f"\n% assumes: {_one_line(a)}" for a in formulation.assumptions)
    header += "".join(f"\n% not in the text: {_one_line(m)}" for m in formulation.missing_data)
    return header + "\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def render_markdown(formulation: Formulation) -> str:
    """Markdown: the declarations as lists with inline math, the model as a ``$$`` block."""
    f = formulation
    lines = [f"# {_md_text(_one_line(f.name))}", ""]
    lines += [_md_text(f.description), ""] if f.description else []
    if f.assumptions:
        lines += ["**Assumptions**", *(f"- {_md_text(a)}" for a in f.assumptions), ""]
    if f.missing_data:
        lines += [
            "**Data the text does not give**",
            *(f"- {_md_text(m)}" for m in f.missing_data),
            "",
        ]
    if f.sets:
        lines.append("**Sets**")
        lines += [
            _md_item(rf"{_LATEX.name(name)} = {_latex_set(name, s)}", s.description)
            for name, s in f.sets.items()
        ]
        lines.append("")
    if f.parameters:
        lines.append("**Parameters**")
        lines += [
            _md_item(_latex_param(name, p, f), p.description) for name, p in f.parameters.items()
        ]
        lines.append("")
    lines.append("**Variables**")
    for name, var in f.variables.items():
        names, _ = _index_names(var, f)
        symbol = (
            _LATEX.subscript(name, [_LATEX.name(n) for n in names]) if names else _LATEX.name(name)
        )
        lines.append(_md_item(symbol, var.description))
    lines += ["", "**Model**", "", "$$", "\\begin{aligned}"]
    lines += [" \\\\\n".join(_latex_rows(f)), "\\end{aligned}", "$$", ""]
    return "\n".join(lines)


# --- shared pieces ----------------------------------------------------------------------------------
def _expression(source: str, renderer: TextRenderer) -> str:
    try:
        return renderer.render(ex.parse(source))
    except (ExpressionError, RecursionError):
        return _raw(source, renderer)


def _logic(ldef: LogicDef, renderer: TextRenderer) -> str:
    """``if b then R1 else R2`` / ``at least k of: R1; R2`` (with the renderer's symbols)."""
    latex = isinstance(renderer, LatexRenderer)
    if ldef.either is not None:
        parts = [_expression(text, renderer) for text in ldef.either]
        if ldef.at_least == 1:
            return (r" \lor " if latex else " or ").join(f"({p})" for p in parts)
        head = (
            rf"\text{{at least {ldef.at_least} of: }}"
            if latex
            else f"at least {ldef.at_least} of: "
        )
        return head + ("; " if not latex else r";\ ").join(parts)
    condition = _expression(ldef.if_ or "", renderer)
    then = _expression(ldef.then or "", renderer)
    if latex:
        text = rf"{condition} \Rightarrow {then}"
        return text + (
            rf",\quad \lnot ({condition}) \Rightarrow {_expression(ldef.else_, renderer)}"
            if ldef.else_
            else ""
        )
    text = f"if {condition} then {then}"
    return text + (f" else {_expression(ldef.else_, renderer)}" if ldef.else_ else "")


def _domain(forall: str | None, where: str | None, renderer: TextRenderer) -> str:
    if not forall:
        return ""
    try:
        clauses = ex.parse_domain(forall)
        condition = ex.parse(where) if where else None
    except (ExpressionError, RecursionError):
        return _raw(forall + (f" where {where}" if where else ""), renderer)
    return renderer.domain(clauses, condition)


def _raw(source: str, renderer: TextRenderer) -> str:
    return rf"\text{{{latex_escape(source)}}}" if isinstance(renderer, LatexRenderer) else source


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _described(text: str, description: str | None) -> str:
    return f"  {text}" + (f"  — {description}" if description else "")


def _index_names(var: VarDef, formulation: Formulation) -> tuple[list[str], str]:
    """Index names for a variable and the domain they range over (names derived from set names)."""
    if isinstance(var.index, str):
        try:
            clauses = ex.parse_domain(var.index) if var.index.strip() else ()
        except (ExpressionError, RecursionError):
            return ["…"], var.index
        return [t for c in clauses for t in c.targets], var.index
    names = _index_symbols(var.index, formulation)
    return names, ", ".join(f"{n} in {s}" for n, s in zip(names, var.index, strict=True))


def _index_symbols(set_names: list[str], formulation: Formulation) -> list[str]:
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


def _bound(value: float | str | None, renderer: TextRenderer) -> str:
    if isinstance(value, str):
        return _expression(value, renderer)
    return renderer.const(value) if value is not None else ""


def _members(members: list[Any]) -> list[str]:
    def one(m: Any) -> str:
        return "(" + ", ".join(one(p) for p in m) + ")" if isinstance(m, list | tuple) else str(m)

    shown = [one(m) for m in members[:_MAX_MEMBERS]]
    return shown + (["…"] if len(members) > _MAX_MEMBERS else [])


# --- text -------------------------------------------------------------------------------------------
def _family(s: SetDef) -> str:
    """A set family: its members per index member, or its filter and the index it runs over."""
    if isinstance(s.members, dict):
        items = list(s.members.items())
        shown = [
            f"{k}: {{{', '.join(_members(v if isinstance(v, list) else [v]))}}}"
            for k, v in items[:_MAX_MEMBERS]
        ]
        return "{" + "; ".join(shown + (["…"] if len(items) > _MAX_MEMBERS else [])) + "}"
    body = _domain(s.from_, s.where, _TEXT) if s.from_ else ""
    return f"{{{body}}} for each {s.index}"


def _set_text(name: str, s: SetDef) -> str:
    if s.index is not None or isinstance(s.members, dict):
        return _family(s)
    if s.members is not None:
        count = f" ({len(s.members)} members)" if len(s.members) > _MAX_MEMBERS else ""
        return "{" + ", ".join(_members(s.members)) + "}" + count
    if s.range is not None and len(s.range) == 2:
        first, last = (str(e) if isinstance(e, str) else number_text(e) for e in s.range)
        return f"{{{first}, …, {last}}}"
    if s.from_ is not None:
        return "{" + _domain(s.from_, s.where, _TEXT) + "}"
    return "{}"


def _definition(name: str, index: str, body: str, renderer: TextRenderer) -> str:
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
    domain = _domain(index, None, renderer)
    return text + (rf" && \forall {domain}" if latex else f", for all {domain}")


def _piecewise_call(p: PiecewiseDef) -> str:
    """``piecewise of x through (p1 → v1), ...`` (shown as written: it is not an expression)."""
    pairs = [
        f"({point if isinstance(point, str) else f'{point:g}'} → {value if isinstance(value, str) else f'{value:g}'})"
        for point, value in zip(p.points, p.values, strict=False)
    ]
    return f"piecewise of {p.of} through {', '.join(pairs)}"


def _param_text(name: str, p: ParamDef, formulation: Formulation) -> str:
    if p.expression is not None:
        index = p.index if isinstance(p.index, str) else ""
        return _definition(name, index, _expression(p.expression, _TEXT), _TEXT)
    if not p.index_sets:
        value = number_text(p.value) if isinstance(p.value, int | float) else str(p.value)
        return f"{name} = {value}"
    names = _index_symbols(p.index_sets, formulation)
    head = f"{name}[{', '.join(names)}], " + ", ".join(
        f"{n} ∈ {s}" for n, s in zip(names, p.index_sets, strict=True)
    )
    return head + (f" (default {p.default})" if p.default is not None else "")


def _var_text(name: str, var: VarDef, formulation: Formulation) -> str:
    names, domain = _index_names(var, formulation)
    symbol = f"{name}[{', '.join(names)}]" if names else name
    lb, ub = _bound(var.lb, _TEXT), _bound(var.ub, _TEXT)
    if var.type == "binary":
        text = f"{symbol} ∈ {{0, 1}}"
    elif lb and ub:
        text = f"{lb} ≤ {symbol} ≤ {ub}, {var.type}"
    elif lb:
        text = f"{symbol} ≥ {lb}, {var.type}"
    elif ub:
        text = f"{symbol} ≤ {ub}, {var.type}"
    else:
        text = f"{symbol} free, {var.type}"
    if names:
        text += f", for all {_domain(domain, None, _TEXT)}"
    return text


# --- LaTeX ------------------------------------------------------------------------------------------
def _latex_rows(f: Formulation) -> list[str]:
    sense = r"\min" if f.objective.sense == "minimize" else r"\max"
    rows = [rf"{sense} \quad & {_expression(f.objective.expression, _LATEX)}"]
    for goal in f.objective.then:
        then = r"\min" if goal.sense == "minimize" else r"\max"
        rows.append(
            rf"\text{{then }} {then} \quad & {_expression(goal.expression, _LATEX)}"
            rf" && && \text{{({latex_escape(goal.name)})}}"
        )
    for k, (name, con) in enumerate(f.constraints.items()):
        lead = r"\text{s.t.} \quad & " if k == 0 else "& "
        domain = _domain(con.forall, con.where, _LATEX)
        forall = rf" && \forall {domain}" if domain else " &&"
        rows.append(
            f"{lead}{_expression(con.expression, _LATEX)}{forall} && \\text{{({latex_escape(name)})}}"
        )
    for name, ldef in f.logic.items():
        domain = _domain(ldef.forall, ldef.where, _LATEX)
        forall = rf" && \forall {domain}" if domain else " &&"
        rows.append(f"& {_logic(ldef, _LATEX)}{forall} && \\text{{({latex_escape(name)})}}")
    for name, var in f.variables.items():
        rows.append("& " + _latex_var(name, var, f))
    for name, e in f.expressions.items():
        rows.append("& " + _definition(name, e.index, _expression(e.expression, _LATEX), _LATEX))
    for name, p in f.piecewise.items():
        rows.append("& " + _definition(name, p.index, _raw(_piecewise_call(p), _LATEX), _LATEX))
    return rows


def _latex_var(name: str, var: VarDef, formulation: Formulation) -> str:
    names, domain = _index_names(var, formulation)
    symbol = _LATEX.subscript(name, [_LATEX.name(n) for n in names]) if names else _LATEX.name(name)
    lb, ub = _bound(var.lb, _LATEX), _bound(var.ub, _LATEX)
    if var.type == "binary":
        text = rf"{symbol} \in \{{0, 1\}}"
    else:
        ranges = {
            (True, True): rf"{lb} \le {symbol} \le {ub}",
            (True, False): rf"{symbol} \ge {lb}",
            (False, True): rf"{symbol} \le {ub}",
            (False, False): rf"{symbol} \in \mathbb{{R}}",
        }
        text = ranges[(bool(lb), bool(ub))]
        if var.type == "integer":
            text = rf"{symbol} \in \mathbb{{Z}}" + ("" if not (lb or ub) else rf",\ {text}")
    return text + (rf" && \forall {_domain(domain, None, _LATEX)}" if names else "")


def _latex_set(name: str, s: SetDef) -> str:
    if s.index is not None or isinstance(s.members, dict):
        return rf"\text{{{latex_escape(_family(s))}}}"
    if s.members is not None:
        items = [
            rf"\text{{{latex_escape(m)}}}" if m not in ("…",) else r"\dots"
            for m in _members(s.members)
        ]
        return r"\{" + ", ".join(items) + r"\}"
    if s.range is not None and len(s.range) == 2:
        first, last = (_LATEX.name(e) if isinstance(e, str) else number_text(e) for e in s.range)
        return rf"\{{{first}, \dots, {last}\}}"
    if s.from_ is not None:
        return r"\{" + _domain(s.from_, s.where, _LATEX) + r"\}"
    return r"\emptyset"


def _latex_param(name: str, p: ParamDef, formulation: Formulation) -> str:
    if p.expression is not None:
        index = p.index if isinstance(p.index, str) else ""
        return _definition(name, index, _expression(p.expression, _LATEX), _LATEX).replace(
            "&&", r"\quad"
        )
    if not p.index_sets:
        value = (
            number_text(p.value) if isinstance(p.value, int | float) else latex_escape(str(p.value))
        )
        return f"{_LATEX.name(name)} = {value}"
    names = _index_symbols(p.index_sets, formulation)
    symbol = _LATEX.subscript(name, [_LATEX.name(n) for n in names])
    domain = ", ".join(
        f"{_LATEX.name(n)} \\in {_LATEX.name(s)}" for n, s in zip(names, p.index_sets, strict=True)
    )
    return f"{symbol}, \\quad {domain}"


def _md_item(math: str, description: str | None) -> str:
    return f"- ${math}$" + (f" — {_md_text(description)}" if description else "")


def _md_text(text: str) -> str:
    """Prose with its dollar signs escaped, so '$90' does not open a formula."""
    return text.replace("$", "\\$")
