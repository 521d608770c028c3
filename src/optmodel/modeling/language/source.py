"""A tree printed back as readable source text (for messages and rendering)."""

from __future__ import annotations

from optmodel.modeling.language.tree import (
    Binary,
    BoolOp,
    Call,
    Compare,
    Const,
    DomainClause,
    IfElse,
    Name,
    Node,
    Not,
    Over,
    Subscript,
    Sum,
    TupleNode,
    Unary,
)


def to_source(node: Node) -> str:
    """Readable source text for a node (for messages and rendering)."""
    try:
        return _source(node)
    except RecursionError:  # printing takes two frames a level: a tree that parsed may not print
        return "(an expression nested too deeply to print)"


def _source(node: Node) -> str:
    if isinstance(node, Const):
        return repr(node.value) if isinstance(node.value, str) else _num(node.value)
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Subscript):
        return f"{node.name}[{', '.join(_source(i) for i in node.indices)}]"
    if isinstance(node, Unary):
        return f"{node.op}{_wrap(node.operand)}"
    if isinstance(node, Binary):
        return f"{_wrap(node.left)} {node.op} {_wrap(node.right)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_source(a) for a in node.args)})"
    if isinstance(node, Sum):
        gens = " ".join(
            f"for {_targets_source(g.targets)} in {set_source(g)}"
            + "".join(f" if {_source(c)}" for c in g.conditions)
            for g in node.generators
        )
        return f"{node.func if isinstance(node, Over) else 'sum'}({_source(node.body)} {gens})"
    if isinstance(node, Compare):
        parts = [_source(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:], strict=True):
            parts += [op, _source(operand)]
        return " ".join(parts)
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_wrap(v) for v in node.values)
    if isinstance(node, Not):
        return f"not {_wrap(node.operand)}"
    if isinstance(node, TupleNode):
        return f"({', '.join(_source(i) for i in node.items)})"
    if isinstance(node, IfElse):
        return f"{_wrap(node.body)} if {_source(node.test)} else {_wrap(node.orelse)}"
    raise TypeError(f"unknown node {node!r}")


def set_source(clause: DomainClause) -> str:
    """``I``, or ``NB[i]`` for a member of a set family."""
    return (
        _source(Subscript(clause.set_name, clause.set_index))
        if clause.set_index
        else clause.set_name
    )


def _targets_source(targets: tuple[str, ...]) -> str:
    return targets[0] if len(targets) == 1 else f"({', '.join(targets)})"


def _wrap(node: Node) -> str:
    text = _source(node)
    simple = isinstance(node, Const | Name | Subscript | Call | Sum | TupleNode)
    return text if simple else f"({text})"


def _num(value: float | int | str) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
