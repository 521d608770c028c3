"""What every part of the :class:`~optmodel.modeling.matrix.vectorize.Vectorizer` shares: the data, the
variables' columns, and one key per row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from optmodel.modeling.elaborate.evaluate import as_key
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.matrix.frame import DataIndex, Frame, NotVectorizable
from optmodel.modeling.matrix.linear import Linear
from optmodel.modeling.matrix.variable_layout import VariableLayout


class VectorizerBase:
    """The state of a vectorizer; :meth:`value` is given by :class:`~optmodel.modeling.matrix.vectorize.Vectorizer`."""

    def __init__(self, index: DataIndex, variables: Mapping[str, VariableLayout]) -> None:
        self.index = index
        self.data = index.data
        self.variables = variables

    def value(self, node: ex.Node, frame: Frame) -> Any:
        """The node's value in every row of ``frame``: a scalar, an array, or a :class:`Linear` batch."""
        raise NotImplementedError

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


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
