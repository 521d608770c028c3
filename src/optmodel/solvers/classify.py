"""What kind of problem a Pyomo model is (LP ... MINLP), and whether it is cheaply provably convex.

The class decides which backend may solve it: a backend that gets a class it does not support would give a
wrong answer or crash, so routing and refusals are both based on this.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from optmodel.standard_form import NonlinearPart, QuadTerm, StandardForm, extract

#: Above this many variables in one quadratic form, convexity is reported as unknown rather than paid for.
MAX_HESSIAN_DIM = 2500
_EIGEN_TOLERANCE = 1e-9


class ProblemClass(str, enum.Enum):
    """The problem classes solvers are chosen by."""

    LP = "lp"
    MILP = "milp"
    QP = "qp"  # quadratic objective, linear constraints
    MIQP = "miqp"
    QCP = "qcp"  # quadratic constraints (objective linear or quadratic)
    MIQCP = "miqcp"
    NLP = "nlp"  # anything beyond quadratic
    MINLP = "minlp"

    @property
    def has_integers(self) -> bool:
        return self in (
            ProblemClass.MILP,
            ProblemClass.MIQP,
            ProblemClass.MIQCP,
            ProblemClass.MINLP,
        )


@dataclass(frozen=True)
class Classification:
    """A model's class and the counts solvers are chosen by."""

    problem_class: ProblemClass
    #: True/False when cheaply decided (LP/MILP relaxations are convex; quadratic forms by eigenvalues);
    #: None for general nonlinear models or quadratic forms too large to check.
    convex: bool | None
    n_vars: int
    n_int: int  # integer columns, binaries included
    n_bin: int
    n_cons: int
    n_nonzeros: int
    #: Every column is integer (and there is at least one).
    pure_integer: bool
    #: Every column has a finite lower and upper bound.
    bounded: bool
    #: 0 constant, 1 linear, 2 quadratic, None beyond quadratic.
    objective_degree: int | None
    #: Highest degree over the constraints (0 with no constraints), None beyond quadratic.
    constraint_degree: int | None
    has_objective: bool


def classify(model: pyo.Block) -> Classification:
    """Classify ``model`` (walks every active constraint and the objective once)."""
    return classify_form(extract(model))


def classify_form(form: StandardForm) -> Classification:
    """Classify an already extracted :class:`StandardForm`."""
    objective_degree = _objective_degree(form)
    constraint_degree = _constraint_degree(form)
    n_int = int(form.integer.sum())
    mixed = n_int > 0
    if objective_degree is None or constraint_degree is None:
        problem_class = ProblemClass.MINLP if mixed else ProblemClass.NLP
    elif constraint_degree == 2:
        problem_class = ProblemClass.MIQCP if mixed else ProblemClass.QCP
    elif objective_degree == 2:
        problem_class = ProblemClass.MIQP if mixed else ProblemClass.QP
    else:
        problem_class = ProblemClass.MILP if mixed else ProblemClass.LP
    return Classification(
        problem_class=problem_class,
        convex=_convexity(form, problem_class),
        n_vars=form.n_cols,
        n_int=n_int,
        n_bin=int(form.binary.sum()),
        n_cons=form.n_rows,
        n_nonzeros=len(form.row_index),
        pure_integer=form.n_cols > 0 and n_int == form.n_cols,
        bounded=bool(np.isfinite(form.col_lower).all() and np.isfinite(form.col_upper).all()),
        objective_degree=objective_degree,
        constraint_degree=constraint_degree,
        has_objective=form.has_objective,
    )


def _objective_degree(form: StandardForm) -> int | None:
    part = form.objective_nonlinear
    if part is not None:
        return part.degree
    return 1 if np.any(form.objective_linear) else 0


def _constraint_degree(form: StandardForm) -> int | None:
    if not form.row_nonlinear:
        return 1 if len(form.row_index) else 0
    degrees = [part.degree for part in form.row_nonlinear.values()]
    return None if None in degrees else 2


def _convexity(form: StandardForm, problem_class: ProblemClass) -> bool | None:
    if problem_class in (ProblemClass.LP, ProblemClass.MILP):
        return True
    if problem_class in (ProblemClass.NLP, ProblemClass.MINLP):
        return None
    verdicts: list[bool | None] = []
    if form.objective_nonlinear is not None:
        # minimise a convex function / maximise a concave one
        verdicts.append(quadratic_is_convex(form.objective_nonlinear.quadratic, form.sense))
    for row, part in form.row_nonlinear.items():
        verdicts.append(_row_is_convex(form, row, part))
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _row_is_convex(form: StandardForm, row: int, part: NonlinearPart) -> bool | None:
    has_lower = math.isfinite(form.row_lower[row])
    has_upper = math.isfinite(form.row_upper[row])
    if has_lower and has_upper:
        return False  # a quadratic equality or range is a nonconvex set (unless degenerate)
    # g(x) <= u needs g convex; g(x) >= l needs g concave
    return quadratic_is_convex(part.quadratic, 1 if has_upper else -1)


def quadratic_is_convex(terms: Iterable[QuadTerm], sign: int = 1) -> bool | None:
    """Whether ``sign * sum(coef * x_i * x_j)`` is convex (its Hessian PSD); None when too large to check."""
    terms = list(terms)
    columns = sorted({i for i, _, _ in terms} | {j for _, j, _ in terms})
    if len(columns) > MAX_HESSIAN_DIM:
        return None
    position = {col: k for k, col in enumerate(columns)}
    hessian = np.zeros((len(columns), len(columns)))
    for i, j, coef in terms:
        a, b = position[i], position[j]
        if a == b:
            hessian[a, a] += 2.0 * coef
        else:
            hessian[a, b] += coef
            hessian[b, a] += coef
    hessian *= sign
    if hessian.size == 0:
        return True
    eigenvalues = np.linalg.eigvalsh(hessian)
    scale = max(1.0, float(np.abs(eigenvalues).max()))
    return bool(eigenvalues.min() >= -_EIGEN_TOLERANCE * scale)
