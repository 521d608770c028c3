"""Which declared names a definition uses, and what a named expression reaches through the ones it uses.

One place for these facts: data resolution waits for what a computed parameter reads, a named expression
that reaches itself is refused, and validation reads them for the variables behind a named expression and
for which data issues are consequences of another element's. Best effort throughout: a part that does not
parse uses no names (validation reports it where it is written).
"""

from __future__ import annotations

import contextlib

from optmodel.errors import ExpressionError
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation, ParamDef, SetDef


def parameter_uses(param: ParamDef) -> set[str]:
    """Names a computed parameter's expression and index use (none when either does not parse)."""
    names: set[str] = set()
    try:
        if param.expression:
            names |= ex.free_names(ex.parse(param.expression))
        if isinstance(param.index, str) and param.index.strip():
            names |= {c.set_name for c in ex.parse_domain(param.index)}
        else:
            names |= set(param.index)
    except (ExpressionError, RecursionError):
        pass
    return names


def set_uses(set_def: SetDef) -> set[str]:
    """Names a set's range ends, ``from`` domain and ``where`` filter use."""
    names: set[str] = set()
    sources = [e for e in set_def.range or [] if isinstance(e, str)] + [set_def.where or ""]
    for source in sources:
        with contextlib.suppress(Exception):  # syntax errors are reported by validation
            names |= ex.free_names(ex.parse(source))
    with contextlib.suppress(Exception):
        names |= {c.set_name for c in ex.parse_domain(set_def.from_ or "")}
    return names


def reached(formulation: Formulation, name: str, *, through_piecewise: bool = True) -> set[str]:
    """Every name the definition of named expression (or piecewise function) ``name`` uses, directly or
    through the named expressions it uses (and the arguments of piecewise functions, unless
    ``through_piecewise`` is False). ``name`` is in the result when it reaches itself."""
    f = formulation
    definitions = set(f.expressions) | (set(f.piecewise) if through_piecewise else set())
    found: set[str] = set()
    seen: set[str] = set()
    stack = [name]
    while stack:
        current = stack.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        source = (
            f.expressions[current].expression
            if current in f.expressions
            else f.piecewise[current].of
        )
        names = _names_in(source)
        found |= names
        stack += list(names & definitions)
    return found


def _names_in(source: str) -> set[str]:
    try:
        return ex.free_names(ex.parse(source))
    except (ExpressionError, RecursionError):
        return set()
