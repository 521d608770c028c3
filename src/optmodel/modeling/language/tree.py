"""The expression tree: immutable, hashable nodes, the language's vocabulary, and walks over a tree.

Built only by :mod:`~optmodel.modeling.language.parser`; read by every later stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

#: Functions an expression may call, with their argument counts (None: one or more).
FUNCTIONS: dict[str, int | None] = {
    "exp": 1,
    "log": 1,
    "log10": 1,
    "sqrt": 1,
    "abs": 1,
    "sin": 1,
    "cos": 1,
    "min": None,
    "max": None,
    "len": 1,
    "ceil": 1,
    "floor": 1,
    "round": 1,
    "first": 1,
    "last": 1,
    "ord": 2,
    "next": 2,
    "prev": 2,
    "next_cyclic": 2,
    "prev_cyclic": 2,
}
#: Functions whose last argument names a set (ordered by its members as written).
SET_FUNCTIONS = frozenset(
    {"len", "first", "last", "ord", "next", "prev", "next_cyclic", "prev_cyclic"}
)
#: Comparison operators that make a constraint (strict ones are reported by validation).
RELATIONS = frozenset({"<=", ">=", "=="})


class Node:
    """Base of every expression node; nodes are immutable and hashable."""

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Const(Node):
    value: float | int | str


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Subscript(Node):
    name: str
    indices: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.indices


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "+"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / **
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True)
class DomainClause:
    """``targets in set_name`` in a ``forall`` / ``from`` domain or a string variable index.

    ``set_index`` is the index of a set family member (``j in NB[i]``), empty for a plain set.
    """

    targets: tuple[str, ...]
    set_name: str
    set_index: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Generator(DomainClause):
    """``for (targets) in set_name if conditions`` inside a ``sum``."""

    conditions: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Sum(Node):
    body: Node
    generators: tuple[Generator, ...]

    def children(self) -> tuple[Node, ...]:
        conds = tuple(c for g in self.generators for c in (*g.set_index, *g.conditions))
        return (self.body, *conds)


@dataclass(frozen=True)
class Over(Sum):
    """``max(body for i in I if cond)`` / ``min(...)``: the largest or smallest term over the generators."""

    func: str = "max"


@dataclass(frozen=True)
class Compare(Node):
    """A comparison chain: ``operands[0] ops[0] operands[1] ops[1] operands[2] ...``."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # "and" / "or"
    values: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.values


@dataclass(frozen=True)
class Not(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class TupleNode(Node):
    """A tuple of index values, as in ``(i, j) in ARCS``."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class IfElse(Node):
    test: Node
    body: Node
    orelse: Node

    def children(self) -> tuple[Node, ...]:
        return (self.test, self.body, self.orelse)


# --- helpers over the tree --------------------------------------------------------------------------
def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, depth first, the node itself first."""
    yield node
    for child in node.children():
        yield from walk(child)


def free_names(node: Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """Names used in ``node`` (incl. indexed names and summed-over sets) not bound by an enclosing sum."""
    if isinstance(node, Name):
        return set() if node.id in bound else {node.id}
    if isinstance(node, Subscript):
        used: set[str] = set() if node.name in bound else {node.name}
        for item in node.indices:
            used |= free_names(item, bound)
        return used
    if isinstance(node, Sum):
        names: set[str] = set()
        inner = set(bound)
        for gen in node.generators:
            if gen.set_name not in inner:
                names.add(gen.set_name)
            for item in gen.set_index:
                names |= free_names(item, frozenset(inner))
            inner |= set(gen.targets)
            for cond in gen.conditions:
                names |= free_names(cond, frozenset(inner))
        return names | free_names(node.body, frozenset(inner))
    if isinstance(node, Call) and node.func in SET_FUNCTIONS:
        return set().union(*(free_names(a, bound) for a in node.args))
    result: set[str] = set()
    for child in node.children():
        result |= free_names(child, bound)
    return result
