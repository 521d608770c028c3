"""Conditions (comparisons, ``and``/``or``/``not``, ``in``) evaluated as one boolean per row of a frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optmodel.modeling.language import expressions as ex
from optmodel.modeling.matrix.frame import Frame, NotVectorizable
from optmodel.modeling.matrix.linear import Linear
from optmodel.modeling.matrix.vector_base import VectorizerBase, hashable

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "<": np.less,
    ">": np.greater,
    "==": np.equal,
    "!=": np.not_equal,
}


class ConditionVectorizer(VectorizerBase):
    """The reference evaluator's conditions, one frame at a time."""

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
                        (hashable(v) and self.data.contains(set_name, v) for v in values),
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


def _comparable(value: Any) -> Any:
    """Members compare as Python objects (so 'a' < 1 fails as in the reference); numbers as numbers."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, str | tuple):
        array = np.empty(1, dtype=object)
        array[0] = value
        return array
    return value
