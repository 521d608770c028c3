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

from optmodel.modeling.language.ir import (
    Formulation,
    ParamDef,
    SetDef,
    VarDef,
)
from optmodel.modeling.render.expressions import (
    latex_escape,
    number_text,
)
from optmodel.modeling.render.pieces import (
    LATEX,
    MAX_MEMBERS,
    TEXT,
    definition,
    described,
    index_names,
    index_symbols,
    one_line,
    piecewise_call,
    raw_text,
    render_bound,
    render_domain,
    render_expression,
    render_logic,
    shown_members,
)


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
            described(f"{name} = {_set_text(name, s)}", s.description) for name, s in f.sets.items()
        ]
    if f.parameters:
        lines += ["", "Parameters:"]
        lines += [
            described(_param_text(name, p, f), p.description) for name, p in f.parameters.items()
        ]
    lines += ["", "Variables:"]
    lines += [described(_var_text(name, v, f), v.description) for name, v in f.variables.items()]
    if f.expressions or f.piecewise:
        lines += ["", "Expressions:"]
        lines += [
            described(
                definition(name, e.index, render_expression(e.expression, TEXT), TEXT),
                e.description,
            )
            for name, e in f.expressions.items()
        ]
        lines += [
            described(definition(name, p.index, piecewise_call(p), TEXT), p.description)
            for name, p in f.piecewise.items()
        ]
    objective = f"{f.objective.sense} {render_expression(f.objective.expression, TEXT)}"
    if f.objective.round_ is not None:
        objective += f"  (optimum reported rounded to {f.objective.round_} decimal(s))"
    lines += ["", "Objective:", described(objective, f.objective.description)]
    lines += [
        described(
            f"then {g.sense} {render_expression(g.expression, TEXT)} ({g.name})", g.description
        )
        for g in f.objective.then
    ]
    if f.constraints:
        lines += ["", "Subject to:"]
        for name, con in f.constraints.items():
            domain = render_domain(con.forall, con.where, TEXT)
            prefix = f"for all {domain}: " if domain else ""
            text = f"{name}: {prefix}{render_expression(con.expression, TEXT)}"
            lines.append(described(text, con.description))
    if f.logic:
        lines += ["", "Logic:"]
        for name, ldef in f.logic.items():
            domain = render_domain(ldef.forall, ldef.where, TEXT)
            prefix = f"for all {domain}: " if domain else ""
            lines.append(described(f"{name}: {prefix}{render_logic(ldef, TEXT)}", ldef.description))
    return "\n".join(lines) + "\n"


def render_latex(formulation: Formulation) -> str:
    """A LaTeX fragment (needs amsmath): the model in an ``align*`` environment."""
    rows = _latex_rows(formulation)
    header = f"% {one_line(formulation.name)}"
    header += "".join(f"\n% assumes: {one_line(a)}" for a in formulation.assumptions)
    header += "".join(f"\n% not in the text: {one_line(m)}" for m in formulation.missing_data)
    return header + "\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def render_markdown(formulation: Formulation) -> str:
    """Markdown: the declarations as lists with inline math, the model as a ``$$`` block."""
    f = formulation
    lines = [f"# {_md_text(one_line(f.name))}", ""]
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
            _md_item(rf"{LATEX.name(name)} = {_latex_set(name, s)}", s.description)
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
        names, _ = index_names(var, f)
        symbol = (
            LATEX.subscript(name, [LATEX.name(n) for n in names]) if names else LATEX.name(name)
        )
        lines.append(_md_item(symbol, var.description))
    lines += ["", "**Model**", "", "$$", "\\begin{aligned}"]
    lines += [" \\\\\n".join(_latex_rows(f)), "\\end{aligned}", "$$", ""]
    return "\n".join(lines)


# --- text -------------------------------------------------------------------------------------------
def _family(s: SetDef) -> str:
    """A set family: its members per index member, or its filter and the index it runs over."""
    if isinstance(s.members, dict):
        items = list(s.members.items())
        shown = [
            f"{k}: {{{', '.join(shown_members(v if isinstance(v, list) else [v]))}}}"
            for k, v in items[:MAX_MEMBERS]
        ]
        return "{" + "; ".join(shown + (["…"] if len(items) > MAX_MEMBERS else [])) + "}"
    body = render_domain(s.from_, s.where, TEXT) if s.from_ else ""
    return f"{{{body}}} for each {s.index}"


def _set_text(name: str, s: SetDef) -> str:
    if s.index is not None or isinstance(s.members, dict):
        return _family(s)
    if s.members is not None:
        count = f" ({len(s.members)} members)" if len(s.members) > MAX_MEMBERS else ""
        return "{" + ", ".join(shown_members(s.members)) + "}" + count
    if s.range is not None and len(s.range) == 2:
        first, last = (str(e) if isinstance(e, str) else number_text(e) for e in s.range)
        return f"{{{first}, …, {last}}}"
    if s.from_ is not None:
        return "{" + render_domain(s.from_, s.where, TEXT) + "}"
    return "{}"


def _param_text(name: str, p: ParamDef, formulation: Formulation) -> str:
    if p.expression is not None:
        index = p.index if isinstance(p.index, str) else ""
        return definition(name, index, render_expression(p.expression, TEXT), TEXT)
    if not p.index_sets:
        value = number_text(p.value) if isinstance(p.value, int | float) else str(p.value)
        return f"{name} = {value}"
    names = index_symbols(p.index_sets, formulation)
    head = f"{name}[{', '.join(names)}], " + ", ".join(
        f"{n} ∈ {s}" for n, s in zip(names, p.index_sets, strict=True)
    )
    return head + (f" (default {p.default})" if p.default is not None else "")


def _var_text(name: str, var: VarDef, formulation: Formulation) -> str:
    names, domain = index_names(var, formulation)
    symbol = f"{name}[{', '.join(names)}]" if names else name
    lb, ub = render_bound(var.lb, TEXT), render_bound(var.ub, TEXT)
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
        text += f", for all {render_domain(domain, None, TEXT)}"
    return text


# --- LaTeX ------------------------------------------------------------------------------------------
def _latex_rows(f: Formulation) -> list[str]:
    sense = r"\min" if f.objective.sense == "minimize" else r"\max"
    rows = [rf"{sense} \quad & {render_expression(f.objective.expression, LATEX)}"]
    for goal in f.objective.then:
        then = r"\min" if goal.sense == "minimize" else r"\max"
        rows.append(
            rf"\text{{then }} {then} \quad & {render_expression(goal.expression, LATEX)}"
            rf" && && \text{{({latex_escape(goal.name)})}}"
        )
    for k, (name, con) in enumerate(f.constraints.items()):
        lead = r"\text{s.t.} \quad & " if k == 0 else "& "
        domain = render_domain(con.forall, con.where, LATEX)
        forall = rf" && \forall {domain}" if domain else " &&"
        rows.append(
            f"{lead}{render_expression(con.expression, LATEX)}{forall} && \\text{{({latex_escape(name)})}}"
        )
    for name, ldef in f.logic.items():
        domain = render_domain(ldef.forall, ldef.where, LATEX)
        forall = rf" && \forall {domain}" if domain else " &&"
        rows.append(f"& {render_logic(ldef, LATEX)}{forall} && \\text{{({latex_escape(name)})}}")
    for name, var in f.variables.items():
        rows.append("& " + _latex_var(name, var, f))
    for name, e in f.expressions.items():
        rows.append("& " + definition(name, e.index, render_expression(e.expression, LATEX), LATEX))
    for name, p in f.piecewise.items():
        rows.append("& " + definition(name, p.index, raw_text(piecewise_call(p), LATEX), LATEX))
    return rows


def _latex_var(name: str, var: VarDef, formulation: Formulation) -> str:
    names, domain = index_names(var, formulation)
    symbol = LATEX.subscript(name, [LATEX.name(n) for n in names]) if names else LATEX.name(name)
    lb, ub = render_bound(var.lb, LATEX), render_bound(var.ub, LATEX)
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
    return text + (rf" && \forall {render_domain(domain, None, LATEX)}" if names else "")


def _latex_set(name: str, s: SetDef) -> str:
    if s.index is not None or isinstance(s.members, dict):
        return rf"\text{{{latex_escape(_family(s))}}}"
    if s.members is not None:
        items = [
            rf"\text{{{latex_escape(m)}}}" if m not in ("…",) else r"\dots"
            for m in shown_members(s.members)
        ]
        return r"\{" + ", ".join(items) + r"\}"
    if s.range is not None and len(s.range) == 2:
        first, last = (LATEX.name(e) if isinstance(e, str) else number_text(e) for e in s.range)
        return rf"\{{{first}, \dots, {last}\}}"
    if s.from_ is not None:
        return r"\{" + render_domain(s.from_, s.where, LATEX) + r"\}"
    return r"\emptyset"


def _latex_param(name: str, p: ParamDef, formulation: Formulation) -> str:
    if p.expression is not None:
        index = p.index if isinstance(p.index, str) else ""
        return definition(name, index, render_expression(p.expression, LATEX), LATEX).replace(
            "&&", r"\quad"
        )
    if not p.index_sets:
        value = (
            number_text(p.value) if isinstance(p.value, int | float) else latex_escape(str(p.value))
        )
        return f"{LATEX.name(name)} = {value}"
    names = index_symbols(p.index_sets, formulation)
    symbol = LATEX.subscript(name, [LATEX.name(n) for n in names])
    domain = ", ".join(
        f"{LATEX.name(n)} \\in {LATEX.name(s)}" for n, s in zip(names, p.index_sets, strict=True)
    )
    return f"{symbol}, \\quad {domain}"


def _md_item(math: str, description: str | None) -> str:
    return f"- ${math}$" + (f" — {_md_text(description)}" if description else "")


def _md_text(text: str) -> str:
    """Prose with its dollar signs escaped, so '$90' does not open a formula."""
    return text.replace("$", "\\$")
