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
"""

from __future__ import annotations

import ast
import io
import tokenize
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from optmodel.errors import ExpressionError

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

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%"}
_CMPOPS = {
    ast.LtE: "<=",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.Gt: ">",
    ast.In: "in",
    ast.NotIn: "not in",
}
#: Comparison operators that make a constraint (strict ones are reported by validation).
RELATIONS = frozenset({"<=", ">=", "=="})


# --- the tree -------------------------------------------------------------------------------------
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


# --- parsing --------------------------------------------------------------------------------------
def _fail(message: str, source: str, hint: str = "") -> ExpressionError:
    return ExpressionError(message, expression=source, hint=hint)


@lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse an expression string into a :class:`Node` tree; raises ExpressionError outside the language."""
    if not isinstance(source, str) or not source.strip():
        raise _fail(
            "empty expression", str(source), "write an expression such as '3*x + 2*y <= 10'"
        )
    text = " ".join(source.strip().splitlines())
    _check_written_names(text, source)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        hint = (
            "use '==' for equality" if "=" in text and "==" not in text and "<=" not in text else ""
        )
        if "^" in text:
            hint = "use '**' for powers, not '^'"
        raise _fail(f"invalid syntax at column {exc.offset}: {exc.msg}", source, hint) from exc
    return _Converter(source).convert(tree.body)


@lru_cache(maxsize=4096)
def parse_domain(source: str) -> tuple[DomainClause, ...]:
    """Parse ``"i in I, (j, k) in ARCS"`` (an optional leading ``for``/``for all`` is accepted).

    Cached like :func:`parse`: validation, data resolution, compilation, rendering and the solution check
    all read the same clauses (immutable), and an error is raised again rather than remembered.
    """
    text = source.strip()
    for prefix in ("for all ", "forall ", "for each ", "for "):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    if not text:
        raise _fail("empty domain", source, "write it as 'i in I, j in J'")
    _check_written_names(text, source)
    try:
        tree = ast.parse(f"({text},)", mode="eval")
    except SyntaxError as exc:
        raise _fail(f"invalid domain: {exc.msg}", source, "write it as 'i in I, j in J'") from exc
    assert isinstance(tree.body, ast.Tuple)
    clauses = []
    for element in tree.body.elts:
        reference = (
            _set_reference(element.comparators[0], source)
            if isinstance(element, ast.Compare)
            and len(element.ops) == 1
            and isinstance(element.ops[0], ast.In)
            else None
        )
        if reference is None:
            raise _fail(
                f"invalid domain clause '{ast.unparse(element)}'",
                source,
                "each clause is 'index in SET' or '(i, j) in PAIRS', separated by commas",
            )
        assert isinstance(element, ast.Compare)
        targets = _targets(element.left, source)
        clauses.append(DomainClause(targets, *reference))
    return tuple(clauses)


def _set_reference(node: ast.expr, source: str) -> tuple[str, tuple[Node, ...]] | None:
    """``I`` -> ("I", ()); a set family member ``NB[i]`` -> ("NB", (i,)); None for anything else."""
    if isinstance(node, ast.Name):
        return node.id, ()
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        item = _Converter(source).subscript(node)
        assert isinstance(item, Subscript)
        return item.name, item.indices
    return None


def _targets(node: ast.expr, source: str) -> tuple[str, ...]:
    if isinstance(node, ast.Name):
        _check_identifier(node.id, source)
        return (node.id,)
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
        names = tuple(e.id for e in node.elts)  # type: ignore[attr-defined]
        for name in names:
            _check_identifier(name, source)
        return names
    raise _fail(
        f"cannot use '{ast.unparse(node)}' as an index name",
        source,
        "index names are plain names like i, or tuples like (i, j)",
    )


def normalizes_unchanged(name: str) -> bool:
    """Whether Python's parser reads ``name`` as written (it NFKC-normalises identifiers: 'ｃａｐ' is 'cap')."""
    return unicodedata.normalize("NFKC", name) == name


def _check_written_names(text: str, source: str) -> None:
    """Reject names the parser would silently rewrite, before ``ast`` rewrites them."""
    if text.isascii():
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return  # ast.parse reports the syntax error
    for token in tokens:
        if token.type == tokenize.NAME and not normalizes_unchanged(token.string):
            read_as = unicodedata.normalize("NFKC", token.string)
            raise _fail(
                f"the name '{token.string}' would be read as '{read_as}' (Unicode NFKC normalisation)",
                source,
                f"write '{read_as}' if that is meant, or rename it with letters that do not change",
            )


def _check_identifier(name: str, source: str) -> None:
    if name.startswith("_"):
        raise _fail(f"names may not start with '_' ('{name}')", source, "rename it")


class _Converter:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: ast.AST, message: str, hint: str = "") -> ExpressionError:
        return _fail(f"{message} in '{ast.unparse(node)}'", self.source, hint)

    def convert(self, node: ast.expr) -> Node:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or node.value is None:
                raise self.fail(node, f"the literal {node.value!r} is not allowed", "use numbers")
            if isinstance(node.value, int | float | str):
                return Const(node.value)
            raise self.fail(node, "this literal is not allowed")
        if isinstance(node, ast.Name):
            _check_identifier(node.id, self.source)
            return Name(node.id)
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                hint = "use '**' for powers" if isinstance(node.op, ast.BitXor) else ""
                raise self.fail(node, f"operator '{type(node.op).__name__}' is not allowed", hint)
            return Binary(op, self.convert(node.left), self.convert(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub | ast.UAdd):
                return Unary(
                    "-" if isinstance(node.op, ast.USub) else "+", self.convert(node.operand)
                )
            if isinstance(node.op, ast.Not):
                return Not(self.convert(node.operand))
            raise self.fail(node, "this unary operator is not allowed")
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare):
            ops: list[str] = []
            for comparison in node.ops:
                op_name = _CMPOPS.get(type(comparison))
                if op_name is None:
                    raise self.fail(node, "'is' comparisons are not allowed", "use == or !=")
                ops.append(op_name)
            operands = (self.convert(node.left), *(self.convert(c) for c in node.comparators))
            return Compare(tuple(ops), operands)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(op, tuple(self.convert(v) for v in node.values))
        if isinstance(node, ast.Tuple):
            return TupleNode(tuple(self.convert(e) for e in node.elts))
        if isinstance(node, ast.IfExp):
            return IfElse(
                self.convert(node.test), self.convert(node.body), self.convert(node.orelse)
            )
        if isinstance(node, ast.Attribute):
            raise self.fail(
                node,
                "attribute access is not allowed",
                "write plain names, e.g. cost[i] not data.cost[i]",
            )
        if isinstance(node, ast.Lambda):
            raise self.fail(node, "lambdas are not allowed", "write the expression directly")
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp):
            raise self.fail(
                node,
                "comprehensions are only allowed inside sum(...)",
                "write sum(expr for i in I if cond)",
            )
        if isinstance(node, ast.List | ast.Set | ast.Dict):
            raise self.fail(
                node, "list, set and dict literals are not allowed", "declare a set or parameter"
            )
        raise self.fail(node, f"'{type(node).__name__}' syntax is not allowed")

    def subscript(self, node: ast.Subscript) -> Node:
        if isinstance(node.value, ast.Attribute):
            self.convert(node.value)  # raises, with the attribute-access hint
        if not isinstance(node.value, ast.Name):
            raise self.fail(node, "only names can be indexed", "write x[i, j], not x[i][j]")
        _check_identifier(node.value.id, self.source)
        index = node.slice
        if isinstance(index, ast.Slice):
            raise self.fail(node, "slices are not allowed", "sum over a set instead")
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        return Subscript(node.value.id, tuple(self.convert(i) for i in items))

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node, "only plain function names can be called", f"allowed: {_allowed()}"
            )
        func = node.func.id
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        if func == "sum":
            return self.sum(node)
        if func not in FUNCTIONS:
            raise self.fail(
                node, f"unknown function '{func}'", f"allowed functions: sum, {_allowed()}"
            )
        arity = FUNCTIONS[func]
        if (arity is not None and len(node.args) != arity) or not node.args:
            expected = "one or more arguments" if arity is None else f"{arity} argument(s)"
            raise self.fail(node, f"{func}() takes {expected}")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "starred arguments are not allowed")
        if (
            func in ("min", "max")
            and len(node.args) == 1
            and isinstance(node.args[0], ast.GeneratorExp)
        ):
            over = self.sum(node)
            assert isinstance(over, Sum)
            return Over(over.body, over.generators, func)
        return Call(func, tuple(self.convert(a) for a in node.args))

    def sum(self, node: ast.Call) -> Node:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp | ast.ListComp):
            raise self.fail(
                node,
                "sum() takes one generator",
                "write sum(c[i] * x[i] for i in I), or add terms with '+'",
            )
        comp = node.args[0]
        generators = []
        for gen in comp.generators:
            if gen.is_async:
                raise self.fail(node, "async generators are not allowed")
            reference = _set_reference(gen.iter, self.source)
            if reference is None:
                hint = "declare the filtered set first, or add an 'if' condition"
                if isinstance(gen.iter, ast.Call) and getattr(gen.iter.func, "id", "") == "range":
                    hint = 'declare a set with "range": [first, last] and iterate over it'
                raise self.fail(node, "a sum may only iterate over a declared set", hint)
            generators.append(
                Generator(
                    _targets(gen.target, self.source),
                    *reference,
                    conditions=tuple(self.convert(c) for c in gen.ifs),
                )
            )
        return Sum(self.convert(comp.elt), tuple(generators))


def _allowed() -> str:
    return ", ".join(FUNCTIONS)


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
