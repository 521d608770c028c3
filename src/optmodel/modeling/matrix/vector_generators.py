"""Generators (``for i in I if ...``) as frames: sums over them and the rows they bind."""

from __future__ import annotations

from typing import Any

import numpy as np

from optmodel.modeling.language import expressions as ex
from optmodel.modeling.matrix.frame import Frame, NotVectorizable, expand
from optmodel.modeling.matrix.linear import Linear, numeric
from optmodel.modeling.matrix.vector_base import hashable
from optmodel.modeling.matrix.vector_conditions import ConditionVectorizer


class GeneratorVectorizer(ConditionVectorizer):
    """The reference evaluator's sums and generator clauses, one frame at a time."""

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
                matches = [groups.get(v, empty) if hashable(v) else empty for v in listed]
                counts = np.fromiter((len(m) for m in matches), dtype=np.int64, count=len(matches))
                rows = np.repeat(np.arange(frame.size, dtype=np.int64), counts)
                codes = np.concatenate(matches) if matches else empty
                return rows, codes.astype(np.int64, copy=False)
        return None, None
