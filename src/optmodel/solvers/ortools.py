"""OR-Tools LP/MILP backends through MathOpt: GLOP (LP), PDLP (LP, first-order) and the SCIP bundled in
OR-Tools (LP/MILP). MathOpt is used rather than pywraplp because it reports *why* a solve stopped (time
limit vs. others), gives objective bounds and rays, and hands the log to a callback.

CP-SAT lives in :mod:`optmodel.solvers.cpsat` (it needs integer data).
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.errors import SolverCapabilityError, SolverError, SolverUnavailableError
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolveResult, TerminationCondition
from optmodel.solvers.classify import ProblemClass
from optmodel.solvers.form_backend import StandardFormBackend
from optmodel.solvers.trivial import check_finite_data, obvious_infeasibility
from optmodel.standard_form import StandardForm
from optmodel.standard_form.labels import solution_values, variable_label

if TYPE_CHECKING:
    from optmodel.symbols import SymbolMap

_LP = frozenset({ProblemClass.LP})
_MILP = frozenset({ProblemClass.LP, ProblemClass.MILP})


class MathOptBackend(StandardFormBackend):
    """One OR-Tools solver behind MathOpt, for linear models."""

    def __init__(
        self, name: str, solver_type: str, classes: frozenset[ProblemClass], mip_options: bool
    ) -> None:
        self.name = name
        self._solver_type = solver_type  # a mathopt.SolverType member name
        self._classes = classes
        self._mip_options = mip_options  # accepts relative gap / random seed

    requires = "ortools.math_opt.python.mathopt"

    def supports(self, problem_class: ProblemClass) -> bool:
        return problem_class in self._classes

    def solve_form(
        self, form: StandardForm, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        """Solve an already extracted model."""
        check_finite_data(form, symbols)
        self._refuse_unsupported(form)
        mathopt = _mathopt()
        start = time.perf_counter()
        trivial = obvious_infeasibility(form, symbols, self.name, _version())
        if trivial is not None:
            return replace(trivial, wall_time=time.perf_counter() - start)
        model, variables = _build(mathopt, form)
        lines: list[str] = []
        result = self._run(mathopt, model, options, lines)
        reason = result.termination.reason
        if reason == mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED:
            reason = self._decide_infeasible_or_unbounded(mathopt, form, options, start)
        outcome = self._outcome(mathopt, form, result, reason, variables, symbols)
        return replace(outcome, wall_time=time.perf_counter() - start, log="\n".join(lines))

    def _refuse_unsupported(self, form: StandardForm) -> None:
        if form.row_nonlinear or form.objective_nonlinear is not None:
            raise SolverCapabilityError(
                f"{self.name} solves linear models only; this one has quadratic or nonlinear terms "
                "(use solver='highs' for a convex QP or solver='scip')"
            )
        if form.integer.any() and ProblemClass.MILP not in self._classes:
            raise SolverCapabilityError(
                f"{self.name} is an LP solver and would ignore integrality; "
                "use solver='highs' or 'ortools-scip' for a MILP"
            )

    def _run(self, mathopt: Any, model: Any, options: SolveOptions, lines: list[str]) -> Any:
        params = mathopt.SolveParameters(enable_output=False)
        if options.time_limit is not None:
            params.time_limit = datetime.timedelta(seconds=options.time_limit)
        if options.threads is not None:
            params.threads = options.threads
        if self._mip_options:
            params.random_seed = options.seed
            if options.rel_gap is not None:
                params.relative_gap_tolerance = options.rel_gap
        _apply_solver_options(params, self._solver_type, options.solver_options)
        callback = _log_sink(lines, options.verbose)
        try:
            return mathopt.solve(
                model,
                getattr(mathopt.SolverType, self._solver_type),
                params=params,
                msg_cb=callback,
            )
        except (
            Exception
        ) as exc:  # MathOpt's status->exception mapping can itself raise AttributeError
            cause = exc.__context__ or exc
            given = (
                f" (solver_options given: {dict(options.solver_options)})"
                if options.solver_options
                else ""
            )
            raise SolverError(f"{self.name} failed{given}: {cause}") from None

    def _decide_infeasible_or_unbounded(
        self, mathopt: Any, form: StandardForm, options: SolveOptions, start: float
    ) -> Any:
        """Re-solve without objective: infeasible stays infeasible, feasible means unbounded."""
        probe_form = replace(form, objective_linear=np.zeros(form.n_cols), objective_offset=0.0)
        model, _ = _build(mathopt, probe_form)
        remaining = None
        if options.time_limit is not None:
            remaining = max(0.5, options.time_limit - (time.perf_counter() - start))
        probe = self._run(mathopt, model, replace(options, time_limit=remaining, verbose=False), [])
        reason = probe.termination.reason
        if reason == mathopt.TerminationReason.INFEASIBLE:
            return reason
        if reason == mathopt.TerminationReason.OPTIMAL:
            return mathopt.TerminationReason.UNBOUNDED
        return mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED

    def _outcome(
        self,
        mathopt: Any,
        form: StandardForm,
        result: Any,
        reason: Any,
        variables: Sequence[Any],
        symbols: SymbolMap | None,
    ) -> SolveResult:
        Reason = mathopt.TerminationReason
        base = SolveResult(
            termination=TerminationCondition.UNKNOWN,
            status=SolutionStatus.NO_SOLUTION,
            solver=self.name,
            solver_version=_version(),
            message=f"{self.name}: {result.termination.reason.name.lower()} "
            f"{result.termination.detail}".strip(),
        )
        if reason == Reason.INFEASIBLE:
            return replace(
                base,
                termination=TerminationCondition.INFEASIBLE,
                status=SolutionStatus.INFEASIBLE,
                message="the model is infeasible (OR-Tools gives no conflict set; "
                "solver='highs' reports the conflicting constraints)",
            )
        if reason == Reason.UNBOUNDED:
            runaway: list[str] = []
            if result.primal_rays:
                ray = result.primal_rays[0].variable_values
                runaway = [
                    variable_label(form.variables[j], symbols)
                    for j, var in enumerate(variables)
                    if abs(ray.get(var, 0.0)) > 1e-9
                ]
            return replace(
                base,
                termination=TerminationCondition.UNBOUNDED,
                status=SolutionStatus.UNBOUNDED,
                unbounded_variables=tuple(runaway),
                message="the objective can improve without limit",
            )
        if reason == Reason.INFEASIBLE_OR_UNBOUNDED:
            return replace(base, termination=TerminationCondition.INFEASIBLE_OR_UNBOUNDED)
        termination = _termination(mathopt, result.termination)
        if not result.has_primal_feasible_solution():
            return replace(base, termination=termination)
        values = result.variable_values()
        column_values = np.array([values[var] for var in variables], dtype=np.float64)
        objective = float(result.objective_value())
        bound = float(result.termination.objective_bounds.dual_bound)
        bound_value = bound if math.isfinite(bound) else None
        optimal = termination is TerminationCondition.OPTIMAL
        return replace(
            base,
            termination=termination,
            status=SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE,
            objective=objective,
            best_bound=bound_value,
            gap=_gap(objective, bound_value),
            solution=solution_values(
                form.variables, column_values, form.fixed, symbols, form.integer
            ),
        )


def _mathopt() -> Any:
    try:
        from ortools.math_opt.python import mathopt
    except ImportError as exc:
        raise SolverUnavailableError("OR-Tools is not installed; pip install ortools") from exc
    return mathopt


def _build(mathopt: Any, form: StandardForm) -> tuple[Any, list[Any]]:
    model = mathopt.Model(name="optmodel")
    variables = [
        model.add_variable(
            lb=float(form.col_lower[j]),
            ub=float(form.col_upper[j]),
            is_integer=bool(form.integer[j]),
            name=f"x{j}",
        )
        for j in range(form.n_cols)
    ]
    for i in range(form.n_rows):
        row = model.add_linear_constraint(
            lb=float(form.row_lower[i]), ub=float(form.row_upper[i]), name=f"r{i}"
        )
        for j, coef in zip(*form.row(i), strict=True):
            row.set_coefficient(variables[j], float(coef))
    objective = model.objective
    objective.is_maximize = form.sense < 0
    objective.offset = form.objective_offset
    for j in np.flatnonzero(form.objective_linear):
        objective.set_linear_coefficient(variables[j], float(form.objective_linear[j]))
    return model, variables


def _termination(mathopt: Any, termination: Any) -> TerminationCondition:
    Reason, Limit = mathopt.TerminationReason, mathopt.Limit
    if termination.reason == Reason.OPTIMAL:
        return TerminationCondition.OPTIMAL
    if termination.reason in (Reason.IMPRECISE, Reason.NUMERICAL_ERROR):
        return TerminationCondition.NUMERICAL_ERROR
    if termination.reason == Reason.OTHER_ERROR:
        return TerminationCondition.ERROR
    limits = {
        Limit.TIME: TerminationCondition.TIME_LIMIT,
        Limit.ITERATION: TerminationCondition.ITERATION_LIMIT,
        Limit.NODE: TerminationCondition.ITERATION_LIMIT,
        Limit.SOLUTION: TerminationCondition.OBJECTIVE_LIMIT,
        Limit.OBJECTIVE: TerminationCondition.OBJECTIVE_LIMIT,
        Limit.INTERRUPTED: TerminationCondition.INTERRUPTED,
    }
    return limits.get(termination.limit, TerminationCondition.UNKNOWN)


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


def _apply_solver_options(params: Any, solver_type: str, extra: Mapping[str, Any]) -> None:
    """Generic MathOpt parameters by name; anything else goes to the solver's own parameter proto."""
    generic = set(type(params).__dataclass_fields__)
    for key, value in extra.items():
        if key in generic:
            setattr(params, key, value)
            continue
        try:
            if solver_type == "GSCIP":
                _set_gscip(params.gscip, key, value)
            else:
                setattr(getattr(params, solver_type.lower()), key, value)
        except (AttributeError, TypeError, ValueError) as exc:
            raise SolverError(f"{solver_type} rejected the option {key}={value!r}: {exc}") from None


def _set_gscip(proto: Any, key: str, value: Any) -> None:
    """SCIP parameters (``limits/nodes``) go into the typed maps of GScipParameters."""
    if isinstance(value, bool):
        proto.bool_params[key] = value
    elif isinstance(value, int):
        proto.int_params[key] = value
    elif isinstance(value, float):
        proto.real_params[key] = value
    else:
        proto.string_params[key] = str(value)


def _log_sink(lines: list[str], echo: bool) -> Callable[[Sequence[str]], None]:
    def sink(messages: Sequence[str]) -> None:
        lines.extend(messages)
        if echo:
            for message in messages:
                print(message)

    return sink


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"OR-Tools {version('ortools')}"
    except PackageNotFoundError:
        return "OR-Tools"


def glop() -> MathOptBackend:
    """GLOP: OR-Tools' simplex LP solver."""
    return MathOptBackend("glop", "GLOP", _LP, mip_options=False)


def pdlp() -> MathOptBackend:
    """PDLP: first-order LP solver (large LPs, moderate accuracy)."""
    return MathOptBackend("pdlp", "PDLP", _LP, mip_options=False)


def ortools_scip() -> MathOptBackend:
    """The SCIP bundled in OR-Tools, for LP and MILP."""
    return MathOptBackend("ortools-scip", "GSCIP", _MILP, mip_options=True)


def ortools_default() -> MathOptBackend:
    """``ortools``: the bundled SCIP, OR-Tools' most general linear solver here."""
    return MathOptBackend("ortools", "GSCIP", _MILP, mip_options=True)
