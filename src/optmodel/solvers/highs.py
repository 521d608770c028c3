"""HiGHS backend: LP, MILP and convex QP, through highspy directly (no Pyomo solver plugin in between).

Building the highspy model ourselves from the standard form gives us the log, the IIS and the primal ray,
and keeps infeasible/unbounded/time-limited outcomes as results rather than exceptions.
"""

from __future__ import annotations

import functools
import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.errors import SolverCapabilityError, SolverError, SolverUnavailableError
from optmodel.solvers.base import (
    RANGING_AUTO_LIMIT,
    SolutionStatus,
    SolveOptions,
    SolveResult,
    TerminationCondition,
)
from optmodel.solvers.classify import ProblemClass, quadratic_is_convex
from optmodel.solvers.form_backend import StandardFormBackend
from optmodel.solvers.highs_diagnostics import feasibility_highs, find_conflict, runaway_columns
from optmodel.solvers.highs_sensitivity import lp_sensitivity
from optmodel.solvers.highs_threads import use_highs_threads
from optmodel.solvers.trivial import check_finite_data, obvious_infeasibility
from optmodel.standard_form import StandardForm
from optmodel.standard_form.highs_model import build_highs, highs_obstacle
from optmodel.standard_form.labels import (
    constraint_label,
    constraint_symbol,
    solution_values,
    variable_label,
    variable_symbol,
)
from optmodel.symbols import SelfSymbols

if TYPE_CHECKING:
    import highspy

    from optmodel.symbols import SymbolMap

#: Seconds at most spent explaining an infeasible or unbounded model (capped by the time limit too).
DIAGNOSIS_TIME_CAP = 30.0

_SUPPORTED = frozenset({ProblemClass.LP, ProblemClass.MILP, ProblemClass.QP})


class HighsBackend(StandardFormBackend):
    """HiGHS via highspy. Supports LP, MILP and convex QP (HiGHS has no MIQP or nonconvex QP)."""

    name = "highs"
    #: Classes this backend solves only when convex (the registry refuses nonconvex ones up front).
    needs_convex = frozenset({ProblemClass.QP})

    requires = "highspy"

    def supports(self, problem_class: ProblemClass) -> bool:
        return problem_class in _SUPPORTED

    def solve_form(
        self, form: StandardForm, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        """Solve an already extracted model (saves a second walk when the registry classified it)."""
        if not self.available():
            raise SolverUnavailableError("highspy is not installed; pip install highspy")
        check_finite_data(form, symbols)
        _refuse_unsupported(form)
        start = time.perf_counter()
        trivial = obvious_infeasibility(form, symbols, self.name, _version())
        if trivial is not None:
            return replace(trivial, wall_time=time.perf_counter() - start)
        highs = build_highs(form)
        with tempfile.TemporaryDirectory() as tmp:
            log_path = Path(tmp) / "highs.log"
            _apply_options(highs, options, log_path)
            use_highs_threads(highs, options.solver_options.get("threads", options.threads))
            highs.run()
            highs.setOptionValue("log_file", "")  # closes the file so it can be read completely
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
        result = _result(highs, form, options, symbols, start)
        message = result.message
        if result.termination in (TerminationCondition.ERROR, TerminationCondition.NUMERICAL_ERROR):
            errors = [line.strip() for line in log.splitlines() if "ERROR" in line]
            message = "; ".join([message, *errors[-3:]])
        return replace(result, wall_time=time.perf_counter() - start, log=log, message=message)


def _refuse_unsupported(form: StandardForm) -> None:
    obstacle = highs_obstacle(form)
    if obstacle is not None:
        raise SolverCapabilityError(f"HiGHS cannot solve this model: {obstacle}; use solver='scip'")
    quadratic = form.objective_nonlinear.quadratic if form.objective_nonlinear else ()
    if quadratic and form.integer.any():
        raise SolverCapabilityError(
            "HiGHS cannot solve a quadratic objective with integer variables (MIQP); use solver='scip'"
        )
    if quadratic and quadratic_is_convex(quadratic, form.sense) is False:
        goal = "minimised" if form.sense > 0 else "maximised"
        raise SolverCapabilityError(
            f"HiGHS solves convex QPs only, and this quadratic objective is not convex when {goal}; "
            "use solver='scip' for a global optimum"
        )


def _apply_options(highs: highspy.Highs, options: SolveOptions, log_path: Path) -> None:
    settings: dict[str, Any] = {
        "output_flag": True,
        "log_to_console": options.verbose,
        "log_file": str(log_path),
        "random_seed": int(options.seed),
    }
    if options.time_limit is not None:
        settings["time_limit"] = float(options.time_limit)
    if options.rel_gap is not None:
        settings["mip_rel_gap"] = float(options.rel_gap)
    settings.update(options.solver_options)
    for key, value in settings.items():
        set_option(highs, key, value)


def set_option(highs: highspy.Highs, key: str, value: Any) -> None:
    """Set one HiGHS option, raising :class:`SolverError` with the option's name when HiGHS rejects it."""
    status = highs.setOptionValue(key, value)
    if status.name == "kError" and isinstance(value, int) and not isinstance(value, bool):
        status = highs.setOptionValue(key, float(value))  # an int given for a double option
    if status.name == "kError":
        raise SolverError(f"HiGHS rejected the option {key}={value!r} (unknown name or bad value)")


def _result(
    highs: highspy.Highs,
    form: StandardForm,
    options: SolveOptions,
    symbols: SymbolMap | None,
    start: float,
) -> SolveResult:
    import highspy

    status = highs.getModelStatus()
    Model = highspy.HighsModelStatus
    version = _version()
    if status == Model.kUnboundedOrInfeasible:
        probe = feasibility_highs(form)
        probe.setOptionValue("time_limit", _diagnosis_cap(options, start))
        probe.run()
        if probe.getModelStatus() == Model.kInfeasible:
            status, highs = Model.kInfeasible, probe
        elif probe.getModelStatus() in (Model.kOptimal, Model.kModelEmpty):
            status = Model.kUnbounded
    if status == Model.kInfeasible:
        return _infeasible(highs, form, options, symbols, start, version)
    if status == Model.kUnbounded:
        runaway = runaway_columns(highs, form, _diagnosis_cap(options, start))
        return SolveResult(
            termination=TerminationCondition.UNBOUNDED,
            status=SolutionStatus.UNBOUNDED,
            solver="highs",
            solver_version=version,
            unbounded_variables=tuple(variable_label(form.variables[j], symbols) for j in runaway),
            message="the objective can improve without limit"
            + (f"; along a ray moving {len(runaway)} variable(s)" if runaway else ""),
        )
    termination = _TERMINATION.get(status.name, TerminationCondition.ERROR)
    if status == Model.kModelEmpty:  # no columns: the objective is its constant
        return SolveResult(
            termination=TerminationCondition.OPTIMAL,
            status=SolutionStatus.OPTIMAL,
            solver="highs",
            solver_version=version,
            objective=form.objective_offset,
            best_bound=form.objective_offset,
            gap=0.0,
            solution=solution_values([], [], form.fixed, symbols),
        )
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if termination is TerminationCondition.OPTIMAL:
        solution_status = SolutionStatus.OPTIMAL
    else:
        solution_status = SolutionStatus.FEASIBLE if has_solution else SolutionStatus.NO_SOLUTION
    objective = float(info.objective_function_value) if has_solution else None
    best_bound, gap = _bound_and_gap(info, form, objective, termination)
    solution = highs.getSolution() if has_solution else None
    values = np.asarray(solution.col_value) if solution is not None else None
    columns = _symbols(form.variables, symbols, variable_symbol)  # named once for both
    sensitivity = None
    if termination is TerminationCondition.OPTIMAL and not form.integer.any():
        rows = _symbols(form.constraints, symbols, constraint_symbol)
        ranging = options.ranging
        if ranging is None:
            ranging = len(columns) + len(rows) <= RANGING_AUTO_LIMIT
        sensitivity = lp_sensitivity(
            highs,
            columns,
            rows,
            form.row_constant,
            ranging=ranging,
            row_bounds=(form.row_lower, form.row_upper),
            solution=solution,
        )
    return SolveResult(
        termination=termination,
        status=solution_status,
        solver="highs",
        solver_version=version,
        objective=objective,
        best_bound=best_bound,
        gap=gap,
        solution=solution_values(form.variables, values, form.fixed, symbols, form.integer, columns)
        if values is not None
        else {},
        message=f"HiGHS model status: {highs.modelStatusToString(status)}",
        sensitivity=sensitivity,
    )


def _symbols(items: Sequence[Any], symbols: SymbolMap | None, symbol_of: Any) -> Sequence[Any]:
    """Each column's (row's) symbol; the matrix fast path's columns and rows are their own symbols."""
    if symbols is not None and isinstance(symbols.variables, SelfSymbols):
        return items
    return [symbol_of(item, symbols) for item in items]


def _infeasible(
    highs: highspy.Highs,
    form: StandardForm,
    options: SolveOptions,
    symbols: SymbolMap | None,
    start: float,
    version: str,
) -> SolveResult:
    conflict = find_conflict(highs, form, _diagnosis_cap(options, start))
    rows = tuple(constraint_label(form.constraints[i], symbols) for i in conflict.rows)
    bounds = [variable_label(form.variables[j], symbols) for j in conflict.cols]
    if conflict.quality == "none":
        message = f"the model is infeasible; no conflict set found ({conflict.method})"
    else:
        message = f"the model is infeasible; {conflict.quality} conflict set from {conflict.method}"
        if rows:
            message += f": {len(rows)} constraint(s)"
        if bounds:
            message += f"; together with the bounds of {', '.join(bounds)}"
    return SolveResult(
        termination=TerminationCondition.INFEASIBLE,
        status=SolutionStatus.INFEASIBLE,
        solver="highs",
        solver_version=version,
        conflicts=rows,
        message=message,
        extra={"conflict_method": conflict.method, "conflict_quality": conflict.quality},
    )


def _bound_and_gap(
    info: Any, form: StandardForm, objective: float | None, termination: TerminationCondition
) -> tuple[float | None, float | None]:
    if form.integer.any():
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if objective is not None else None
        return (bound if math.isfinite(bound) else None), (
            gap if gap is not None and math.isfinite(gap) else None
        )
    if termination is TerminationCondition.OPTIMAL and objective is not None:
        return objective, 0.0
    return None, None


def _diagnosis_cap(options: SolveOptions, start: float) -> float:
    if options.time_limit is None:
        return DIAGNOSIS_TIME_CAP
    return max(0.5, min(DIAGNOSIS_TIME_CAP, options.time_limit - (time.perf_counter() - start)))


_TERMINATION: Mapping[str, TerminationCondition] = {
    "kOptimal": TerminationCondition.OPTIMAL,
    "kTimeLimit": TerminationCondition.TIME_LIMIT,
    "kIterationLimit": TerminationCondition.ITERATION_LIMIT,
    "kObjectiveBound": TerminationCondition.OBJECTIVE_LIMIT,
    "kObjectiveTarget": TerminationCondition.OBJECTIVE_LIMIT,
    "kSolutionLimit": TerminationCondition.OBJECTIVE_LIMIT,
    "kInterrupt": TerminationCondition.INTERRUPTED,
    "kMemoryLimit": TerminationCondition.ERROR,
    "kSolveError": TerminationCondition.NUMERICAL_ERROR,
    "kPostsolveError": TerminationCondition.NUMERICAL_ERROR,
    "kUnknown": TerminationCondition.UNKNOWN,
}


@functools.lru_cache(maxsize=1)
def _version() -> str:
    # Reading package metadata costs milliseconds; the version cannot change within a process.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"HiGHS {version('highspy')}"
    except PackageNotFoundError:
        return "HiGHS"
