"""CP-SAT backend, for pure-integer bounded linear models whose data scale exactly to integers.

CP-SAT works over integers only; given continuous variables or fractional coefficients it would have to
discretise them and silently answer a different problem. So every column must be integer with finite
bounds, and every row and the objective must become integral after multiplying by ``10**k`` for a small
``k``; anything else is refused with :class:`SolverCapabilityError`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.errors import SolverCapabilityError, SolverError, SolverUnavailableError
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolveResult, TerminationCondition
from optmodel.solvers.classify import ProblemClass
from optmodel.solvers.form_backend import StandardFormBackend
from optmodel.solvers.trivial import check_finite_data, obvious_infeasibility
from optmodel.standard_form import StandardForm
from optmodel.standard_form.labels import constraint_label, solution_values, variable_label

if TYPE_CHECKING:
    from optmodel.symbols import SymbolMap

#: Largest power of ten tried when scaling a row to integers.
MAX_DECIMALS = 6
#: Largest scaled coefficient or bound accepted (CP-SAT works in int64 and must not overflow sums).
MAX_MAGNITUDE = 2.0**40
_TOLERANCE = 1e-9


class CpSatBackend(StandardFormBackend):
    """OR-Tools CP-SAT for pure-integer linear models (MILP class, no continuous columns)."""

    name = "cpsat"

    requires = "ortools.sat.python.cp_model"

    def supports(self, problem_class: ProblemClass) -> bool:
        # Only the pure-integer part of MILP; solve() refuses models with continuous columns.
        return problem_class is ProblemClass.MILP

    def solve_form(
        self, form: StandardForm, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        """Solve an already extracted model."""
        try:
            from ortools.sat.python import cp_model
        except ImportError as exc:
            raise SolverUnavailableError("OR-Tools is not installed; pip install ortools") from exc
        start = time.perf_counter()
        check_finite_data(form, symbols)
        _refuse_unsupported(form, symbols)
        trivial = obvious_infeasibility(form, symbols, "cpsat", _version())
        if trivial is not None:
            return replace(trivial, wall_time=time.perf_counter() - start)
        model, variables, objective_scale = _build(cp_model, form, symbols)
        invalid = model.validate()
        if invalid:
            raise SolverCapabilityError(f"CP-SAT rejects this model: {invalid}")
        solver = cp_model.CpSolver()
        lines: list[str] = []
        _apply_options(solver, options, lines)
        status = solver.solve(model)
        result = _result(
            cp_model, solver, status, form, variables, objective_scale, options, symbols
        )
        return replace(result, wall_time=time.perf_counter() - start, log="\n".join(lines))


def _refuse_unsupported(form: StandardForm, symbols: SymbolMap | None) -> None:
    if form.row_nonlinear or form.objective_nonlinear is not None:
        raise SolverCapabilityError("CP-SAT here takes linear models only; use solver='scip'")
    continuous = np.flatnonzero(~form.integer)
    if len(continuous):
        names = ", ".join(variable_label(form.variables[j], symbols) for j in continuous[:5])
        raise SolverCapabilityError(
            f"CP-SAT needs integer variables, and {len(continuous)} are continuous ({names}); "
            "it would discretise them. Use solver='highs' for a MILP"
        )
    unbounded = np.flatnonzero(~(np.isfinite(form.col_lower) & np.isfinite(form.col_upper)))
    big = np.flatnonzero(
        (np.abs(np.nan_to_num(form.col_lower)) > MAX_MAGNITUDE)
        | (np.abs(np.nan_to_num(form.col_upper)) > MAX_MAGNITUDE)
    )
    offenders = np.union1d(unbounded, big)
    if len(offenders):
        names = ", ".join(variable_label(form.variables[j], symbols) for j in offenders[:5])
        raise SolverCapabilityError(
            f"CP-SAT needs finite variable bounds up to {MAX_MAGNITUDE:.0e}; {len(offenders)} "
            f"variable(s) lack them ({names}). Add bounds or use solver='highs'"
        )


def integer_scale(values: np.ndarray) -> int | None:
    """Smallest ``k <= MAX_DECIMALS`` with ``values * 10**k`` integral and within MAX_MAGNITUDE, else None."""
    for k in range(MAX_DECIMALS + 1):
        scaled = values * 10.0**k
        rounded = np.round(scaled)
        if np.abs(rounded).max(initial=0.0) > MAX_MAGNITUDE:
            return None
        if np.all(np.abs(scaled - rounded) <= _TOLERANCE * np.maximum(1.0, np.abs(scaled))):
            return k
    return None


def _build(
    cp_model: Any, form: StandardForm, symbols: SymbolMap | None
) -> tuple[Any, list[Any], float]:
    model = cp_model.CpModel()
    variables = [
        model.new_int_var(
            math.ceil(form.col_lower[j] - _TOLERANCE),
            math.floor(form.col_upper[j] + _TOLERANCE),
            f"x{j}",
        )
        for j in range(form.n_cols)
    ]
    for i in range(form.n_rows):
        cols, coefs = form.row(i)
        lower, upper = form.row_lower[i], form.row_upper[i]
        finite_bounds = np.array([b for b in (lower, upper) if math.isfinite(b)])
        k = integer_scale(np.concatenate([coefs, finite_bounds]))
        if k is None:
            label = constraint_label(form.constraints[i], symbols)
            raise SolverCapabilityError(
                f"CP-SAT needs integral data; constraint {label} does not scale to integers "
                f"with up to {MAX_DECIMALS} decimals. Use solver='highs'"
            )
        scale = 10.0**k
        # Integer activity, so rounding the scaled bounds inwards loses nothing.
        lo = math.ceil(lower * scale - _TOLERANCE) if math.isfinite(lower) else cp_model.INT_MIN
        hi = math.floor(upper * scale + _TOLERANCE) if math.isfinite(upper) else cp_model.INT_MAX
        expr = cp_model.LinearExpr.weighted_sum(
            [variables[j] for j in cols], [round(c * scale) for c in coefs]
        )
        model.add_linear_constraint(expr, lo, hi)
    objective_cols = np.flatnonzero(form.objective_linear)
    k = integer_scale(form.objective_linear[objective_cols])
    if k is None:
        raise SolverCapabilityError(
            f"CP-SAT needs integral data; the objective does not scale to integers with up to "
            f"{MAX_DECIMALS} decimals. Use solver='highs'"
        )
    scale = 10.0**k
    objective = cp_model.LinearExpr.weighted_sum(
        [variables[j] for j in objective_cols],
        [round(form.objective_linear[j] * scale) for j in objective_cols],
    )
    if form.sense < 0:
        model.maximize(objective)
    else:
        model.minimize(objective)
    return model, variables, scale


def _apply_options(solver: Any, options: SolveOptions, lines: list[str]) -> None:
    params = solver.parameters
    params.log_search_progress = True  # needed for the log callback to receive anything
    params.log_to_stdout = options.verbose
    solver.log_callback = lines.append
    params.random_seed = options.seed
    if options.time_limit is not None:
        params.max_time_in_seconds = options.time_limit
    if options.threads is not None:
        params.num_workers = options.threads
    if options.rel_gap is not None:
        params.relative_gap_limit = options.rel_gap
    for key, value in options.solver_options.items():
        try:
            setattr(params, key, value)
        except (AttributeError, TypeError, ValueError) as exc:
            raise SolverError(f"CP-SAT rejected the option {key}={value!r}: {exc}") from None


def _result(
    cp_model: Any,
    solver: Any,
    status: Any,
    form: StandardForm,
    variables: list[Any],
    scale: float,
    options: SolveOptions,
    symbols: SymbolMap | None,
) -> SolveResult:
    base = SolveResult(
        termination=TerminationCondition.UNKNOWN,
        status=SolutionStatus.NO_SOLUTION,
        solver="cpsat",
        solver_version=_version(),
        message=f"CP-SAT status: {solver.status_name(status)}",
    )
    limited = (
        TerminationCondition.TIME_LIMIT if options.time_limit else TerminationCondition.UNKNOWN
    )
    if status == cp_model.INFEASIBLE:
        return replace(
            base,
            termination=TerminationCondition.INFEASIBLE,
            status=SolutionStatus.INFEASIBLE,
            message="the model is infeasible (CP-SAT gives no conflict set here; "
            "solver='highs' reports the conflicting constraints)",
        )
    if status == cp_model.MODEL_INVALID:
        raise SolverCapabilityError(f"CP-SAT rejects this model: {solver.solution_info()}")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return replace(base, termination=limited)
    values = np.array([solver.value(v) for v in variables], dtype=np.float64)
    objective = solver.objective_value / scale + form.objective_offset
    bound = solver.best_objective_bound / scale + form.objective_offset
    optimal = status == cp_model.OPTIMAL
    return replace(
        base,
        termination=TerminationCondition.OPTIMAL if optimal else limited,
        status=SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE,
        objective=objective,
        best_bound=bound,
        gap=abs(objective - bound) / max(abs(objective), 1e-10),
        solution=solution_values(form.variables, values, form.fixed, symbols, form.integer),
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"OR-Tools CP-SAT {version('ortools')}"
    except PackageNotFoundError:
        return "OR-Tools CP-SAT"
