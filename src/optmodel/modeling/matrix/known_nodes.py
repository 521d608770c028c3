"""The expression language as the fast path knows it: a node it does not know makes it decline."""

from __future__ import annotations

import dataclasses
import functools

from optmodel.modeling.language import expressions as ex

#: The expression nodes this evaluator knows, with their fields: a node type or field added to the language
#: later makes the fast path decline (see :func:`language_is_known`) until it is taught the meaning.
KNOWN_NODES: dict[type, tuple[str, ...]] = {
    ex.Const: ("value",),
    ex.Name: ("id",),
    ex.Subscript: ("name", "indices"),
    ex.Unary: ("op", "operand"),
    ex.Binary: ("op", "left", "right"),
    ex.Call: ("func", "args"),
    ex.Sum: ("body", "generators"),
    ex.Compare: ("ops", "operands"),
    ex.BoolOp: ("op", "values"),
    ex.Not: ("operand",),
    ex.TupleNode: ("items",),
    ex.IfElse: ("test", "body", "orelse"),
    ex.Generator: ("targets", "set_name", "set_index", "conditions"),
}


@functools.cache
def language_is_known() -> bool:
    """Whether the expression nodes still have exactly the fields this evaluator reads."""
    return all(
        tuple(f.name for f in dataclasses.fields(node)) == names
        for node, names in KNOWN_NODES.items()
    )
