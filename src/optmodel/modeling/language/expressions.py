"""The expression language: a whitelisted subset of Python syntax, parsed with ``ast`` into our own tree.

Nothing is ever ``eval``-ed: :func:`parse` walks Python's syntax tree and accepts only

- numbers, string literals (set members such as ``'A'``), names of sets, parameters, variables and index names;
- ``+ - * / **``, ``%`` on numbers (index arithmetic), unary minus, parentheses; indexing ``x[i, j]`` (index items may be arithmetic: ``s[t - 1]``);
- ``sum(body for i in I for (j, k) in ARCS for m in NB[i] if cond)`` (``NB[i]``: a set family's member),
  ``max(...)`` / ``min(...)`` over generators the same
  way; the functions in :data:`FUNCTIONS`;
- comparisons ``<= >= == != < >`` (chains like ``lo <= e <= hi``), ``in`` / ``not in`` on sets, ``and or not``;
- conditional values ``a if cond else b`` whose condition involves no variables; ``inf``;
- positions in a set, in the order its members are written: ``first(T)``, ``last(T)``, ``ord(t, T)`` (1-based),
  ``prev(t, T)`` / ``next(t, T)`` (an error past either end) and ``prev_cyclic`` / ``next_cyclic`` (wrapping).

Everything else (attribute access, unknown calls, lambdas, dunder names, comprehensions other than ``sum``,
imports, f-strings...) is rejected with an :class:`~optmodel.errors.ExpressionError` that says what to write instead.

The language is built in three modules, re-exported here: :mod:`.tree` (the nodes), :mod:`.parser`
(text -> tree) and :mod:`.source` (tree -> text).
"""

from optmodel.modeling.language.parser import normalizes_unchanged, parse, parse_domain
from optmodel.modeling.language.source import set_source, to_source
from optmodel.modeling.language.tree import (
    FUNCTIONS,
    RELATIONS,
    SET_FUNCTIONS,
    Binary,
    BoolOp,
    Call,
    Compare,
    Const,
    DomainClause,
    Generator,
    IfElse,
    Name,
    Node,
    Not,
    Over,
    Subscript,
    Sum,
    TupleNode,
    Unary,
    free_names,
    walk,
)

__all__ = [
    "FUNCTIONS",
    "RELATIONS",
    "SET_FUNCTIONS",
    "Binary",
    "BoolOp",
    "Call",
    "Compare",
    "Const",
    "DomainClause",
    "Generator",
    "IfElse",
    "Name",
    "Node",
    "Not",
    "Over",
    "Subscript",
    "Sum",
    "TupleNode",
    "Unary",
    "free_names",
    "normalizes_unchanged",
    "parse",
    "parse_domain",
    "set_source",
    "to_source",
    "walk",
]
