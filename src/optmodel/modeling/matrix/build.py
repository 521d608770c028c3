"""A linear Formulation (LP/MILP) straight to its :class:`StandardForm`, over index arrays, without Pyomo.

It reads the one resolved :class:`ModelData` and the same variable instances as the Pyomo compiler, and
builds exactly the rows, bounds, integrality and objective that extracting the compiled Pyomo model gives
(up to row and column order). Anything else raises :class:`NotVectorizable`; the caller then uses the
reference path, which handles it or reports the error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from optmodel.errors import CompileError, ExpressionError
from optmodel.modeling.elaborate.evaluate import Key, ModelData, as_key
from optmodel.modeling.elaborate.instances import check_distinct_names, objective_tree
from optmodel.modeling.elaborate.variables import variable_instances
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import ConstraintDef, Formulation, ObjectiveDef, VarDef
from optmodel.modeling.matrix.frame import DataIndex, Frame, NotVectorizable, root_frame
from optmodel.modeling.matrix.known_nodes import language_is_known
from optmodel.modeling.matrix.linear import Linear, as_linear
from optmodel.modeling.matrix.variable_layout import VariableLayout
from optmodel.modeling.matrix.vectorize import Vectorizer
from optmodel.standard_form import StandardForm
from optmodel.symbols import SelfSymbols, SymbolBlocks, SymbolMap

_NONSMOOTH = frozenset({"abs", "min", "max"})
#: The compiler's tolerance for deciding rows without variables (0.1 + 0.2 == 0.3 holds).
_CONSTANT_TOL = 1e-9


@dataclass(frozen=True)
class RelationRows:
    """One constraint's instances with each operand of its relation as a linear batch (for the check)."""

    name: str
    source: str
    keys: list[Key]
    ops: tuple[str, ...]
    operands: list[Linear]


@dataclass(frozen=True)
class MatrixModel:
    """The standard form of a linear Formulation, with what maps it back to the Formulation's names."""

    form: StandardForm
    symbols: SymbolMap
    layouts: dict[str, VariableLayout]
    relations: list[RelationRows]


def build_matrix(
    formulation: Formulation, data: ModelData, progress: Callable[[str], None] | None = None
) -> MatrixModel:
    """The standard form of ``formulation`` over ``data``; raises NotVectorizable for what it does not handle.

    ``progress`` is told which constraint family is being built (big models take seconds).
    """
    try:
        return _Builder(formulation, data, progress or (lambda _: None)).build()
    except (CompileError, ExpressionError) as error:
        raise NotVectorizable(str(error)) from error
    except NotVectorizable:
        raise
    except (
        Exception
    ) as error:  # the reference path handles it or reports it properly; never a guess here
        raise NotVectorizable(f"{type(error).__name__}: {error}") from error


class _Builder:
    def __init__(
        self, formulation: Formulation, data: ModelData, progress: Callable[[str], None]
    ) -> None:
        self.formulation = formulation
        self.progress = progress
        self.data = data
        self.index = DataIndex(data)
        self.layouts: dict[str, VariableLayout] = {}
        self.row_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # rows, cols, coefs
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.constants: list[np.ndarray] = []
        self.row_blocks: list[tuple[str, list[Key]]] = []  # each constraint's kept rows
        self.n_rows = 0
        self.relations: list[RelationRows] = []

    def build(self) -> MatrixModel:
        f = self.formulation
        if not language_is_known():
            raise NotVectorizable(
                "the expression language changed; the fast path must learn it first"
            )
        _require_understood(f)
        check_distinct_names(f)
        columns, col_lower, col_upper, integer = self._variables()
        n_cols = len(columns)
        vectorizer = Vectorizer(self.index, self.layouts)
        self.vectorizer = vectorizer
        tree = objective_tree(f)
        objective = as_linear(vectorizer.value(tree, root_frame()), 1)
        offset = float(objective.const[0])
        if not math.isfinite(offset):
            raise NotVectorizable("the objective's constant is not finite")
        for number, (name, cdef) in enumerate(f.constraints.items(), start=1):
            self.progress(f"build: constraint {number}/{len(f.constraints)} ({name})")
            self._constraint(name, cdef)
        rows, cols, coefs = (_joined([p[i] for p in self.row_parts]) for i in range(3))
        start, index, value = _csr(
            rows, cols, np.asarray(coefs, dtype=np.float64), self.n_rows, n_cols
        )
        form = StandardForm(
            variables=columns,
            col_lower=col_lower,
            col_upper=col_upper,
            integer=integer,
            binary=integer & (col_lower >= 0.0) & (col_upper <= 1.0),
            constraints=SymbolBlocks(self.row_blocks),
            row_lower=np.concatenate(self.lower) if self.lower else np.empty(0),
            row_upper=np.concatenate(self.upper) if self.upper else np.empty(0),
            row_start=start,
            row_index=index,
            row_value=value,
            row_nonlinear={},
            sense=1 if f.objective.sense == "minimize" else -1,
            objective_linear=np.bincount(
                objective.cols, weights=objective.coefs, minlength=n_cols
            ).astype(np.float64),
            objective_offset=offset,
            objective_nonlinear=None,
            has_objective=True,
            row_constant=np.concatenate(self.constants) if self.constants else np.empty(0),
        )
        symbols = SymbolMap(variables=SelfSymbols(), constraints=SelfSymbols())
        return MatrixModel(form, symbols, self.layouts, self.relations)

    # --- variables -------------------------------------------------------------------------------
    def _variables(self) -> tuple[SymbolBlocks, np.ndarray, np.ndarray, np.ndarray]:
        blocks: list[tuple[str, Sequence[Key]]] = []
        n_cols = 0
        lowers, uppers, integers = [], [], []
        for name, vdef in self.formulation.variables.items():
            inst = variable_instances(name, vdef, self.data)
            sizes = [len(self.data.sets[s]) for s in inst.sets]
            # Keys over a set family follow each member's own list, not the product order.
            family = any(s in self.data.families for s in inst.sets)
            product = inst.indexed and not family and len(inst.keys) == math.prod(sizes)
            self.layouts[name] = VariableLayout(n_cols, inst.sets, inst.keys, inst.indexed, product)
            blocks.append((name, inst.keys))
            n_cols += len(inst.keys)
            lower = _bound_array(inst.lower, -math.inf)
            upper = _bound_array(inst.upper, math.inf)
            if (
                inst.kind == "binary"
            ):  # Pyomo's Binary domain intersects the declared bounds with [0, 1]
                lower, upper = np.maximum(lower, 0.0), np.minimum(upper, 1.0)
            lowers.append(lower)
            uppers.append(upper)
            integers.append(np.full(len(inst.keys), inst.kind != "continuous"))
        return (
            SymbolBlocks(blocks),
            np.concatenate(lowers) if lowers else np.empty(0),
            np.concatenate(uppers) if uppers else np.empty(0),
            np.concatenate(integers) if integers else np.empty(0, dtype=bool),
        )

    # --- constraints -----------------------------------------------------------------------------
    def _constraint(self, name: str, cdef: ConstraintDef) -> None:
        relation = ex.parse(cdef.expression)
        if not isinstance(relation, ex.Compare) or not all(
            op in ex.RELATIONS for op in relation.ops
        ):
            raise NotVectorizable("not a constraint relation")
        frame, targets = self._domain(cdef)
        keys = self._keys(targets, frame)
        # With abs/min/max anywhere the compiler never merges a chain into one ranged row.
        nonsmooth = any(isinstance(n, ex.Call) and n.func in _NONSMOOTH for n in ex.walk(relation))
        values = [
            _constant_if_empty(self.vectorizer.value(node, frame)) for node in relation.operands
        ]
        operands = [as_linear(v, frame.size) for v in values]
        self.relations.append(RelationRows(name, cdef.expression, keys, relation.ops, operands))
        ops = relation.ops
        if (
            len(ops) == 2
            and ops[0] == ops[1]
            and ops[0] in ("<=", ">=")
            and not nonsmooth
            and not isinstance(values[0], Linear)
            and not isinstance(values[2], Linear)
        ):
            lo, hi = (operands[0], operands[2]) if ops[0] == "<=" else (operands[2], operands[0])
            self._ranged(lo.const, operands[1], hi.const, name, keys)
            return
        if len(ops) == 2 and ops[0] == ops[1] and ops[0] in ("<=", ">=") and not nonsmooth:
            # The compiler decides per instance: an end without variables there would make a ranged row.
            for end in (values[0], values[2]):
                if (
                    isinstance(end, Linear)
                    and not np.bincount(end.rows, minlength=frame.size).all()
                ):
                    raise NotVectorizable(
                        "a chain whose ends have variables in some instances only"
                    )
        for n, op in enumerate(ops):
            left, right = operands[n], operands[n + 1]
            # Rows face the way the compiler's Pyomo rows face (so duals keep their sign): the side with
            # variables is the body; with variables on both sides, 'a <= b' and 'a == b' are a - b, 'a >= b'
            # is b - a. The body's constant is moved into the bounds and kept as the row's constant.
            left_vars = np.bincount(left.rows, minlength=frame.size) > 0
            right_vars = np.bincount(right.rows, minlength=frame.size) > 0
            flip = (~left_vars | right_vars) if op == ">=" else ~left_vars
            body = _oriented_difference(left, right, flip)
            rhs = -body.const
            at_most = (op == "<=") != flip  # the oriented row reads body <= rhs
            lower = np.where(at_most & (op != "=="), -math.inf, rhs)
            upper = np.where(~at_most & (op != "=="), math.inf, rhs)
            pyomo_constant = np.where(
                left_vars & right_vars, body.const, np.where(flip, right.const, left.const)
            )
            structural = left_vars | right_vars
            _decide_constant_rows(left.const, op, right.const, ~structural)
            self._add_rows(body, lower, upper, structural, name, keys, pyomo_constant)

    def _ranged(
        self, lo: np.ndarray, body: Linear, hi: np.ndarray, name: str, keys: list[Key]
    ) -> None:
        structural = np.bincount(body.rows, minlength=len(lo)) > 0
        constant = ~structural
        _decide_constant_rows(lo, "<=", body.const, constant)
        _decide_constant_rows(body.const, "<=", hi, constant)
        ends = lo[structural], hi[structural]
        if (ends[0] > ends[1]).any() or np.isposinf(ends[0]).any() or np.isneginf(ends[1]).any():
            raise NotVectorizable("a range that no value satisfies")
        free = np.isneginf(lo) & np.isposinf(hi)  # -inf <= e <= inf: the compiler adds no row
        self._add_rows(
            body, lo - body.const, hi - body.const, structural & ~free, name, keys, body.const
        )

    def _add_rows(
        self,
        body: Linear,
        lower: np.ndarray,
        upper: np.ndarray,
        keep: np.ndarray,
        name: str,
        keys: list[Key],
        constant: np.ndarray,
    ) -> None:
        if (
            not (np.isfinite(lower[keep]) | np.isneginf(lower[keep])).all()
            or not (np.isfinite(upper[keep]) | np.isposinf(upper[keep])).all()
        ):
            raise NotVectorizable("a row with an infinite or NaN constant")
        if not (np.isfinite(body.const[keep])).all() or not np.isfinite(body.coefs).all():
            raise NotVectorizable("an infinite or NaN coefficient")
        kept = np.flatnonzero(keep)
        cols, coefs = body.cols, body.coefs
        if len(kept) == len(keep):  # every row kept (the usual case): the rows only shift
            rows = body.rows + self.n_rows if self.n_rows else body.rows
        else:
            renumber = np.full(len(keep), -1, dtype=np.int64)
            renumber[kept] = np.arange(len(kept)) + self.n_rows
            rows = renumber[body.rows]
            live = rows >= 0  # a row left out (-inf <= e <= inf) takes its terms with it
            if not live.all():
                rows, cols, coefs = rows[live], cols[live], coefs[live]
        self.row_parts.append((rows, cols, coefs))
        self.lower.append(lower[kept].astype(np.float64))
        self.upper.append(upper[kept].astype(np.float64))
        self.constants.append(np.broadcast_to(constant, keep.shape)[kept].astype(np.float64))
        self.row_blocks.append(
            (name, keys if len(kept) == len(keys) else [keys[i] for i in kept.tolist()])
        )
        self.n_rows += len(kept)

    def _domain(self, cdef: ConstraintDef) -> tuple[Frame, list[str]]:
        frame = root_frame()
        targets: list[str] = []
        clauses = ex.parse_domain(cdef.forall) if cdef.forall and cdef.forall.strip() else ()
        where = (ex.parse(cdef.where),) if cdef.where and cdef.where.strip() else ()
        for n, clause in enumerate(clauses):
            if clause.set_name not in self.data.sets:
                raise NotVectorizable(f"unknown set {clause.set_name!r}")
            conditions = where if n == len(clauses) - 1 else ()
            frame, _ = self.vectorizer.bind(frame, clause, conditions)
            targets.extend(clause.targets)
        if len(set(targets)) != len(targets):
            raise NotVectorizable("an index name bound twice")
        if where and not clauses:
            frame = frame.take(np.flatnonzero(self.vectorizer.truth(where[0], frame)))
        return frame, targets

    def _keys(self, targets: list[str], frame: Frame) -> list[Key]:
        if not targets:
            return [None] * frame.size
        columns = [self.vectorizer.name(t, frame).tolist() for t in targets]
        if len(columns) == 1:
            return columns[0]
        return [as_key(k) for k in zip(*columns, strict=True)]


#: The fields the fast path knows the meaning of; anything else set (logic, named expressions, further goals,
#: or a field added to the language later) sends the model to the Pyomo path, where new constructs are
#: compiled (and checked) first.
_UNDERSTOOD: dict[type[BaseModel], frozenset[str]] = {
    Formulation: frozenset(
        {
            "name",
            "description",
            "assumptions",
            "sets",
            "parameters",
            "variables",
            "objective",
            "constraints",
        }
    ),
    VarDef: frozenset({"description", "index", "type", "lb", "ub"}),
    # "round" changes only how the optimum is reported, which the caller does for either path.
    ObjectiveDef: frozenset({"description", "sense", "expression", "round_"}),
    ConstraintDef: frozenset({"description", "expression", "forall", "where"}),
}


def _require_understood(formulation: Formulation) -> None:
    elements: list[BaseModel] = [formulation, formulation.objective]
    elements += [*formulation.variables.values(), *formulation.constraints.values()]
    for element in elements:
        known = _UNDERSTOOD[type(element)]
        for field, info in type(element).model_fields.items():
            if field not in known and getattr(element, field) != info.get_default(
                call_default_factory=True
            ):
                raise NotVectorizable(f"'{field}' is compiled by the Pyomo path")


def _constant_if_empty(value: Any) -> Any:
    """A sum over variables that selects no term is the number its constant is, as in the reference."""
    if isinstance(value, Linear) and not len(value.rows):
        return value.const
    return value


def _bound_array(values: Sequence[float | None], missing: float) -> np.ndarray:
    # The usual case, one bound (or none) for all, is one object repeated: count() matches it by identity.
    first = values[0] if len(values) else None
    if values.count(first) == len(values):
        return np.full(len(values), missing if first is None else float(first))
    if None not in values:
        return np.array(values, dtype=np.float64)
    return np.array([missing if v is None else v for v in values], dtype=np.float64)


def _decide_constant_rows(left: np.ndarray, op: str, right: np.ndarray, rows: np.ndarray) -> None:
    """Rows without variables are dropped when they hold (within the compiler's tolerance); else decline."""
    if not rows.any():
        return
    a, b = np.broadcast_to(left, rows.shape)[rows], np.broadcast_to(right, rows.shape)[rows]
    with np.errstate(all="ignore"):
        scale = _CONSTANT_TOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        if op == "<=":
            holds = a <= b + scale
        elif op == ">=":
            holds = a >= b - scale
        else:
            holds = np.abs(a - b) <= scale
    if not (holds & np.isfinite(a) & np.isfinite(b)).all():
        raise NotVectorizable("a constraint instance without variables that does not hold")


def _oriented_difference(left: Linear, right: Linear, flip: np.ndarray) -> Linear:
    """``left - right`` per row, negated in the ``flip`` rows; an operand without terms is not copied."""
    parts = [(p, s) for p, s in ((left, 1.0), (right, -1.0)) if len(p.rows)]
    if len(parts) == 1:
        ((part, scale),) = parts
        rows, cols = part.rows, part.cols
        coefs = part.coefs if scale == 1.0 else -part.coefs
    else:
        rows = np.concatenate([left.rows, right.rows])
        cols = np.concatenate([left.cols, right.cols])
        coefs = np.concatenate([left.coefs, -right.coefs])
    const = left.const - right.const
    if flip.any():
        sign = np.where(flip, -1.0, 1.0)
        coefs, const = coefs * sign[rows], const * sign
    return Linear(rows, cols, coefs, const)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts end to end (one part as it is: a million-entry copy costs more than the arithmetic)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _csr(
    rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray, n_rows: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise arrays with repeated (row, column) entries summed and zero coefficients dropped.

    Few temporaries on purpose: at a million entries each one is a fresh 8 MB the process must fault in.
    The arrays given are not written to; the values returned are read-only (they may be ``coefs`` itself).
    """
    width = max(n_cols, 1)
    keys = rows.astype(np.int64)  # a copy: the one array worked on in place below
    keys *= width
    keys += cols
    if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
        # Not in order, or a (row, column) repeated: families often come in order, then this is skipped.
        order = np.argsort(keys, kind="stable")
        keys, coefs = keys[order], coefs[order]
        del order
        repeated = keys[1:] == keys[:-1]
        if repeated.any():
            firsts = np.flatnonzero(np.r_[True, ~repeated])
            keys, coefs = keys[firsts], np.add.reduceat(coefs, firsts)
    nonzero = coefs != 0.0
    if not nonzero.all():
        keys, coefs = keys[nonzero], coefs[nonzero]
    start = np.searchsorted(keys, np.arange(n_rows + 1, dtype=np.int64) * width)
    if len(start) and (start[0] != 0 or start[-1] != len(keys)):
        raise NotVectorizable("a term outside the rows")  # never expected: decline, never guess
    np.remainder(keys, width, out=keys)
    coefs = coefs.view()
    coefs.flags.writeable = False
    return start.astype(np.int32), keys.astype(np.int32), coefs
