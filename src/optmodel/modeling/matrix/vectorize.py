"""Evaluating an expression tree once per :class:`Frame` (all rows at once) instead of once per row.

A value is a Python scalar (the same in every row), an array with one entry per row (numbers, or members as
objects), or a :class:`Linear` batch (rows of linear terms in the decision variables). Anything that is not
linear, or that the reference interpreter would report as an error, raises :class:`NotVectorizable` so the
reference path handles it (with its error message) instead. Conditions are evaluated in
:mod:`~optmodel.modeling.matrix.vector_conditions`, generators and sums in
:mod:`~optmodel.modeling.matrix.vector_generators`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from optmodel.modeling.language import expressions as ex
from optmodel.modeling.matrix.frame import Frame, NotVectorizable
from optmodel.modeling.matrix.known_nodes import KNOWN_NODES
from optmodel.modeling.matrix.linear import (
    Linear,
    arithmetic,
    as_linear,
    divided,
    factor,
    number,
    numeric,
)
from optmodel.modeling.matrix.vector_generators import GeneratorVectorizer

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


class Vectorizer(GeneratorVectorizer):
    """The reference :class:`~optmodel.modeling.elaborate.evaluate.Evaluator`'s meaning, one frame at a time."""

    # --- values ---------------------------------------------------------------------------------
    def value(self, node: ex.Node, frame: Frame) -> Any:
        if (
            type(node) not in KNOWN_NODES
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
