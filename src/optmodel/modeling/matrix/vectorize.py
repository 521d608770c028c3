"""Evaluating an expression tree once per :class:`Frame` (all rows at once) instead of once per row.

A value is a Python scalar (the same in every row), an array with one entry per row (numbers, or members as
objects), or a :class:`Linear` batch (rows of linear terms in the decision variables). Anything that is not
linear, or that the reference interpreter would report as an error, raises :class:`NotVectorizable` so the
reference path handles it (with its error message) instead.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optmodel.modeling.elaborate.evaluate import as_key
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.matrix.frame import DataIndex, Frame, NotVectorizable, expand
from optmodel.modeling.matrix.linear import (
    Linear,
    arithmetic,
    as_linear,
    divided,
    factor,
    number,
    numeric,
)

_NUMERIC_MATH: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sin": np.sin,
    "cos": np.cos,
    "ceil": np.ceil,
    "floor": np.floor,
    "round": np.round,
}
_ARITHMETIC = frozenset({"+", "-", "*", "/", "**"})
#: The expression nodes this evaluator knows, with their fields: a node type or field added to the language
#: later makes the fast path decline (see :func:`language_is_known`) until it is taught the meaning.
_KNOWN_NODES: dict[type, tuple[str, ...]] = {
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
        for node, names in _KNOWN_NODES.items()
    )


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "<": np.less,
    ">": np.greater,
    "==": np.equal,
    "!=": np.not_equal,
}


@dataclass(frozen=True)
class VariableLayout:
    """Columns ``offset .. offset + count`` hold a variable's keys, in the product order of ``sets``."""

    offset: int
    sets: tuple[str, ...]
    keys: list[Any]
    indexed: bool
    product: bool  # keys are exactly the product of the sets (so codes locate columns)
    _columns: dict[Any, int] | None = None

    def column_of(self) -> dict[Any, int]:
        if self._columns is None:
            object.__setattr__(
                self,
                "_columns",
                dict(zip(self.keys, range(self.offset, self.offset + len(self.keys)), strict=True)),
            )
        assert self._columns is not None
        return self._columns


class Vectorizer:
    """The reference :class:`~optmodel.modeling.elaborate.evaluate.Evaluator`'s meaning, one frame at a time."""

    def __init__(self, index: DataIndex, variables: Mapping[str, VariableLayout]) -> None:
        self.index = index
        self.data = index.data
        self.variables = variables

    # --- values ---------------------------------------------------------------------------------
    def value(self, node: ex.Node, frame: Frame) -> Any:
        if (
            type(node) not in _KNOWN_NODES
        ):  # exact types: a subclass (max over generators) means more
            raise NotVectorizable(f"{type(node).__name__} is compiled by the Pyomo path")
        if isinstance(node, ex.Const):
            if isinstance(node.value, bool):
                raise NotVectorizable("boolean constant")
            return node.value
        if isinstance(node, ex.Name):
            return self.name(node.id, frame)
        if isinstance(node, ex.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, ex.Binary):
            if node.op not in _ARITHMETIC:
                raise NotVectorizable(f"operator {node.op!r}")
            return self.binary(
                node.op, self.value(node.left, frame), self.value(node.right, frame), frame.size
            )
        if isinstance(node, ex.Unary):
            if node.op not in ("+", "-"):
                raise NotVectorizable(f"unary {node.op!r}")
            operand = self.value(node.operand, frame)
            if node.op == "+":
                if isinstance(operand, Linear):
                    return operand
                return (
                    numeric(operand, frame.size)
                    if isinstance(operand, np.ndarray)
                    else number(operand)
                )
            if isinstance(operand, Linear):
                return operand.scaled(-1.0)
            return (
                -numeric(operand, frame.size)
                if isinstance(operand, np.ndarray)
                else -number(operand)
            )
        if isinstance(node, ex.Sum):
            return self.sum(node, frame)
        if isinstance(node, ex.Call):
            return self.call(node, frame)
        if isinstance(node, ex.IfElse):
            return self.if_else(node, frame)
        if isinstance(node, ex.Compare | ex.BoolOp | ex.Not):
            return self.truth(node, frame)
        raise NotVectorizable(f"{type(node).__name__} as a value")

    def name(self, name: str, frame: Frame) -> Any:
        bound = frame.names.get(name)
        if bound is not None:
            return self.index.set(bound.set_name).values(bound.component)[bound.codes]
        if name in self.data.scalars:
            return self.data.scalars[name]
        layout = self.variables.get(name)
        if layout is not None:
            if layout.indexed:
                raise NotVectorizable(f"indexed variable {name} without an index")
            return self._columns_linear(
                np.full(frame.size, layout.offset, dtype=np.int64), frame.size
            )
        if name == "inf":
            return math.inf
        raise NotVectorizable(f"name {name!r} as a value")

    def subscript(self, node: ex.Subscript, frame: Frame) -> Any:
        name = node.name
        if name in self.data.tables:
            sets = tuple(self.data.table_index[name])
            codes = self._product_codes(node.indices, sets, frame)
            dense = self.index.dense_table(name) if codes is not None else None
            if codes is not None and dense is not None:
                values = dense[codes]
            else:
                table, default = self.data.tables[name], self.data.defaults.get(name, math.nan)
                values = np.array(
                    [table.get(k, default) for k in self._keys(node.indices, frame)],
                    dtype=np.float64,
                )
                if len(values) == 1 and frame.size != 1:
                    values = np.full(frame.size, values[0])
            if np.isnan(values).any():
                raise NotVectorizable(f"missing or NaN entries of {name}")
            return values
        layout = self.variables.get(name)
        if layout is None or not layout.indexed:
            raise NotVectorizable(f"{name}[...] is not a table or an indexed variable")
        codes = self._product_codes(node.indices, layout.sets, frame) if layout.product else None
        if codes is not None:
            return self._columns_linear(layout.offset + codes, frame.size)
        lookup = layout.column_of()
        found = [lookup.get(k, -1) for k in self._keys(node.indices, frame)]
        columns = np.array(found, dtype=np.int64)
        if (columns < 0).any():
            raise NotVectorizable(f"a key outside the index of {name}")
        if len(columns) == 1 and frame.size != 1:
            columns = np.full(frame.size, columns[0])
        return self._columns_linear(columns, frame.size)

    def _columns_linear(self, columns: np.ndarray, size: int) -> Linear:
        return Linear(np.arange(size, dtype=np.int64), columns, np.ones(size), np.zeros(size))

    def _product_codes(
        self, items: tuple[ex.Node, ...], sets: tuple[str, ...], frame: Frame
    ) -> np.ndarray | None:
        """Flat positions in the product of ``sets`` when the items are the index names bound over them."""
        position: np.ndarray | None = None
        at = 0
        for set_name in sets:
            set_index = self.index.set(set_name)
            width = set_index.width
            chunk = items[at : at + width]
            at += width
            if len(chunk) != width or not all(isinstance(i, ex.Name) for i in chunk):
                return None
            bounds = [frame.names.get(i.id) for i in chunk]  # type: ignore[attr-defined]
            first = bounds[0]
            if first is None or first.set_name != set_name:
                return None
            if width == 1:
                if first.component is not None:
                    return None
            elif not all(
                b is not None and b.clause == first.clause and b.component == k
                for k, b in enumerate(bounds)
            ):
                return None
            position = first.codes if position is None else position * set_index.size + first.codes
        if at != len(items) or position is None:
            return None
        return position

    def _keys(self, items: tuple[ex.Node, ...], frame: Frame) -> list[Any]:
        """One key per row (or a single key when no item depends on the row), in the reference's convention."""
        parts = []
        for item in items:
            value = self.value(item, frame)
            if isinstance(value, Linear):
                raise NotVectorizable("a decision variable inside an index")
            if isinstance(value, np.ndarray):
                if value.dtype.kind == "b":
                    raise NotVectorizable("a condition inside an index")
                parts.append(value.tolist())
            else:
                parts.append([value] * frame.size)
        if not parts:
            raise NotVectorizable("empty index")
        if len(parts) == 1:
            return parts[0]
        return [as_key(k) for k in zip(*parts, strict=True)]

    def binary(self, op: str, left: Any, right: Any, size: int) -> Any:
        left_linear, right_linear = isinstance(left, Linear), isinstance(right, Linear)
        if not (left_linear or right_linear):
            return arithmetic(op, left, right, size)
        if op in ("+", "-"):
            a, b = as_linear(left, size), as_linear(right, size)
            if op == "-":
                b = b.scaled(-1.0)
            return Linear(
                np.concatenate([a.rows, b.rows]),
                np.concatenate([a.cols, b.cols]),
                np.concatenate([a.coefs, b.coefs]),
                a.const + b.const,
            )
        if op == "*" and not (left_linear and right_linear):
            linear, scale = (left, right) if left_linear else (right, left)
            return linear.scaled(factor(scale, size))
        if op == "/" and left_linear and not right_linear:
            divisor = factor(right, size)
            if np.any(np.asarray(divisor) == 0):
                raise NotVectorizable("division by zero")
            return (
                left.scaled(1.0 / divisor)
                if not isinstance(divisor, np.ndarray)
                else divided(left, divisor)
            )
        raise NotVectorizable(f"nonlinear '{op}'")

    def sum(self, node: ex.Sum, frame: Frame) -> Any:
        inner = frame
        origin = np.arange(frame.size, dtype=np.int64)
        for generator in node.generators:
            inner, step = self.bind(inner, generator, generator.conditions)
            origin = origin[step]
        body = self.value(node.body, inner)
        if isinstance(body, Linear):
            return Linear(
                origin[body.rows],
                body.cols,
                body.coefs,
                np.bincount(origin, weights=body.const, minlength=frame.size),
            )
        weights = numeric(body, inner.size)
        return np.bincount(origin, weights=weights, minlength=frame.size)

    def bind(
        self, frame: Frame, domain: ex.DomainClause, conditions: tuple[ex.Node, ...]
    ) -> tuple[Frame, np.ndarray]:
        """Rows of ``frame`` crossed with the set's (or the set family member's) members that satisfy
        ``conditions``; and their origin."""
        targets, set_name = domain.targets, domain.set_name
        set_index = self.index.set(set_name)
        clause = self.index.new_clause()
        rows: np.ndarray | None
        codes: np.ndarray | None
        if domain.set_index:  # j in NB[i]: each row's own members
            rows, codes = self.index.family_rows(set_name, self._keys(domain.set_index, frame))
        elif set_name in self.data.families:
            raise NotVectorizable(f"set family {set_name!r} without an index")
        else:
            rows, codes = self._join(frame, targets, set_index, conditions)
        inner = expand(frame, targets, set_index, set_name, clause, rows, codes)
        origin = inner.origin
        for (
            condition
        ) in conditions:  # in order: a later condition is evaluated only where earlier ones hold
            keep = np.flatnonzero(self.truth(condition, inner))
            inner = inner.take(keep)
            origin = origin[keep]
        return Frame(inner.size, inner.names, origin), origin

    def _join(
        self,
        frame: Frame,
        targets: tuple[str, ...],
        set_index: Any,
        conditions: tuple[ex.Node, ...],
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """For ``if target == outer``: only the members whose value matches each row (the condition still runs)."""
        for condition in conditions:
            if not (isinstance(condition, ex.Compare) and condition.ops == ("==",)):
                continue
            for mine, other in (condition.operands, condition.operands[::-1]):
                if not (isinstance(mine, ex.Name) and mine.id in targets):
                    continue
                if ex.free_names(other) & set(targets):
                    continue
                values = self.value(other, frame)
                if isinstance(values, Linear):
                    raise NotVectorizable("a decision variable in a condition")
                component = None if len(targets) == 1 else targets.index(mine.id)
                if isinstance(values, np.ndarray) and values.dtype == np.int64:
                    joined = set_index.integer_matches(component, values)
                    if joined is not None:
                        return joined
                listed = (
                    values.tolist() if isinstance(values, np.ndarray) else [values] * frame.size
                )
                groups = set_index.group(component)
                empty = np.empty(0, dtype=np.int64)
                matches = [groups.get(v, empty) if _hashable(v) else empty for v in listed]
                counts = np.fromiter((len(m) for m in matches), dtype=np.int64, count=len(matches))
                rows = np.repeat(np.arange(frame.size, dtype=np.int64), counts)
                codes = np.concatenate(matches) if matches else empty
                return rows, codes.astype(np.int64, copy=False)
        return None, None

    def call(self, node: ex.Call, frame: Frame) -> Any:
        if node.func == "len":
            arg = node.args[0]
            if isinstance(arg, ex.Subscript):  # len(NB[i]): each row's own count
                keys = self._keys(arg.indices, frame)
                _, counts = self.index.family_counts(arg.name, keys)
                return counts
            if (
                isinstance(arg, ex.Name)
                and arg.id in self.data.sets
                and arg.id not in self.data.families
            ):
                return len(self.data.sets[arg.id])
            raise NotVectorizable("len() of something other than a set")
        if node.func not in _NUMERIC_MATH and node.func not in ("min", "max"):
            raise NotVectorizable(f"{node.func}() is compiled by the Pyomo path")
        args = [self.value(a, frame) for a in node.args]
        if any(isinstance(a, Linear) for a in args):
            raise NotVectorizable(f"{node.func}() of decision variables")
        arrays = [numeric(a, frame.size) for a in args]
        with np.errstate(all="ignore"):
            if node.func in ("min", "max"):
                combine = np.minimum if node.func == "min" else np.maximum
                result = arrays[0]
                for array in arrays[1:]:
                    result = combine(result, array)
            else:
                result = _NUMERIC_MATH[node.func](arrays[0])
        if not np.isfinite(result).all():
            raise NotVectorizable(f"{node.func}() outside its domain")
        return result

    def if_else(self, node: ex.IfElse, frame: Frame) -> Any:
        test = self.truth(node.test, frame)
        chosen = np.flatnonzero(test)
        other = np.flatnonzero(~test)
        body = self.value(node.body, frame.take(chosen)) if len(chosen) else None
        orelse = self.value(node.orelse, frame.take(other)) if len(other) else None
        parts = [(chosen, body), (other, orelse)]
        if any(isinstance(v, Linear) for _, v in parts):
            rows, cols, coefs = [], [], []
            const = np.zeros(frame.size)
            for where, value in parts:
                if value is None:
                    continue
                linear = as_linear(value, len(where))
                rows.append(where[linear.rows])
                cols.append(linear.cols)
                coefs.append(linear.coefs)
                const[where] = linear.const
            return Linear(np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs), const)
        result = np.zeros(frame.size)
        for where, value in parts:
            if value is not None:
                result[where] = numeric(value, len(where))
        return result

    # --- conditions -----------------------------------------------------------------------------
    def truth(self, node: ex.Node, frame: Frame) -> np.ndarray:
        """A boolean per row; only rows where an ``and``'s earlier parts hold evaluate the later ones."""
        if type(node) is ex.BoolOp:
            if node.op not in ("and", "or"):
                raise NotVectorizable(f"boolean {node.op!r}")
            result = self.truth(node.values[0], frame)
            for part in node.values[1:]:
                pending = np.flatnonzero(result if node.op == "and" else ~result)
                if len(pending):
                    result = result.copy()
                    result[pending] = self.truth(part, frame.take(pending))
            return result
        if type(node) is ex.Not:
            return ~self.truth(node.operand, frame)
        if type(node) is ex.Compare:
            return self.compare(node, frame)
        value = self.value(node, frame)
        if isinstance(value, Linear):
            raise NotVectorizable("a decision variable in a condition")
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "bif":
                raise NotVectorizable("a set member as a condition")
            return value.astype(bool)
        if isinstance(value, str):
            raise NotVectorizable("a set member as a condition")
        return np.full(frame.size, bool(value))

    def compare(self, node: ex.Compare, frame: Frame) -> np.ndarray:
        result = np.ones(frame.size, dtype=bool)
        left = self._operand(node.operands[0], frame)
        for op, right_node in zip(node.ops, node.operands[1:], strict=True):
            if op in ("in", "not in"):
                values = left.tolist() if isinstance(left, np.ndarray) else [left] * frame.size
                if isinstance(right_node, ex.Subscript):  # c in LIKES[p]: each row's own members
                    keys = self._keys(right_node.indices, frame)
                    found = self.index.family_contains(right_node.name, keys, values)
                elif (
                    not isinstance(right_node, ex.Name)
                    or right_node.id not in self.data.sets
                    or right_node.id in self.data.families
                ):
                    raise NotVectorizable("'in' needs a set name")
                else:
                    set_name = right_node.id
                    found = np.fromiter(
                        (_hashable(v) and self.data.contains(set_name, v) for v in values),
                        dtype=bool,
                        count=frame.size,
                    )
                result &= found if op == "in" else ~found
                continue
            if op not in _COMPARE:
                raise NotVectorizable(f"comparison {op!r}")
            right = self._operand(right_node, frame)
            try:
                with np.errstate(all="ignore"):
                    holds = np.asarray(
                        _COMPARE[op](_comparable(left), _comparable(right)), dtype=bool
                    )
            except TypeError as error:
                raise NotVectorizable(str(error)) from error
            result &= np.broadcast_to(holds, (frame.size,))
            left = right
        return result

    def _operand(self, node: ex.Node, frame: Frame) -> Any:
        if type(node) is ex.TupleNode:
            items = [self._operand(i, frame) for i in node.items]
            lists = [i.tolist() if isinstance(i, np.ndarray) else [i] * frame.size for i in items]
            array = np.empty(frame.size, dtype=object)
            array[:] = list(zip(*lists, strict=True)) if lists else [()] * frame.size
            return array
        value = self.value(node, frame)
        if isinstance(value, Linear):
            raise NotVectorizable("a decision variable in a condition")
        return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _comparable(value: Any) -> Any:
    """Members compare as Python objects (so 'a' < 1 fails as in the reference); numbers as numbers."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, str | tuple):
        array = np.empty(1, dtype=object)
        array[0] = value
        return array
    return value
