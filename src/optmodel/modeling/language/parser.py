"""Parsing expression and domain strings into the tree, accepting only the whitelisted Python subset.

Python's ``ast`` reads the text; nothing is ever evaluated. Both parsers are cached, so a string is parsed
once however many stages read it, and an error is raised again rather than remembered.
"""

from __future__ import annotations

import ast
import io
import tokenize
import unicodedata
from functools import lru_cache

from optmodel.errors import ExpressionError
from optmodel.modeling.language.tree import (
    FUNCTIONS,
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
