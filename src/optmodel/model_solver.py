"""Formulation -> validated, compiled, solved and independently checked result, with where it stopped.

This is the one place that joins ``modeling`` and ``solvers`` (which never import each other). It never raises
for a bad model: validation issues, compile errors and solver failures come back as a :class:`ModelRun`, since
they are exactly what a repair loop or a benchmark needs to see.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optmodel.errors import CompileError, FormulationError, OptmodelError
from optmodel.modeling.language.issues import Issue, Severity
from optmodel.solvers.base import SolveOptions, SolveResult, TerminationCondition

if TYPE_CHECKING:
    from optmodel.modeling.elaborate.evaluate import ModelData
    from optmodel.modeling.language.ir import Formulation
    from optmodel.modeling.matrix import MatrixModel
    from optmodel.modeling.pyomo.compile import CompiledModel
    from optmodel.modeling.solution_check import CheckReport, Values

#: A solution counts as satisfying the Formulation when no constraint is violated by more than this
#: (relative to the constraint's magnitude, see ``check_solution``).
VIOLATION_TOLERANCE = 1e-5


class Stage(str, enum.Enum):
    """How far a model got; the stage named is the one that failed (``DONE`` when nothing did)."""

    VALIDATE = "validate"
    COMPILE = "compile"
    SOLVE = "solve"
    CHECK = "check"
    DONE = "done"


@dataclass(frozen=True)
class ModelRun:
    formulation: Formulation
    stage: Stage
    issues: tuple[Issue, ...] = ()
    error: str = ""
    result: SolveResult | None = None
    compiled: CompiledModel | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    #: How the model was built: "matrix" (the linear fast path), "pyomo" (the reference), "" (not built).
    build_path: str = ""

    @property
    def ok(self) -> bool:
        return self.stage is Stage.DONE

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)


def solve_goals(compiled: CompiledModel, solver: str, options: SolveOptions) -> SolveResult:
    """Solve the model; with several goals, lexicographically: each goal optimised while the ones before
    it stay within their tolerance of their optimum. The result is the last solve's, with
    ``objective`` the first goal's value and ``objectives`` every goal's."""
    import pyomo.environ as pyo

    from optmodel.solvers.registry import solve_model

    goals = compiled.goals

    def solve() -> SolveResult:
        return solve_model(
            compiled.model,
            solver=solver,
            options=options,
            symbols=compiled.symbols,
            load_solution=False,
        )

    result = solve()
    if len(goals) < 2:
        return result
    values: dict[str, float] = {}
    model = compiled.model
    for number, goal in enumerate(goals):
        component = model.component(goal.component)
        if number > 0:
            previous = model.component(goals[number - 1].component)
            previous.deactivate()
            component.activate()
            result = solve()
        if result.termination is not TerminationCondition.OPTIMAL or result.objective is None:
            return dataclasses.replace(result, objectives=values)
        values[goal.name] = float(result.objective)
        if number + 1 < len(goals):
            slack = goals[number + 1].tolerance * max(1.0, abs(result.objective))
            held = (
                component.expr <= result.objective + slack
                if goal.sense == "minimize"
                else component.expr >= result.objective - slack
            )
            model.add_component(f"_hold_{goal.component}", pyo.Constraint(expr=held))
    first = values[goals[0].name]
    return dataclasses.replace(result, objective=first, objectives=values)


def run_formulation(
    formulation: Formulation,
    solver: str = "auto",
    options: SolveOptions | None = None,
    *,
    matrix: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ModelRun:
    """Validate, compile, solve and check ``formulation``; report the first stage that fails.

    ``stage`` is ``DONE`` when the solver returned a result (optimal, infeasible, unbounded or time-limited)
    and, if it returned a solution, the solution satisfies every constraint of the Formulation.

    The data is resolved once, by validation. A linear model whose solver takes a standard form goes the
    matrix fast path (built over index arrays, checked on the same arrays); everything else, or everything
    with ``matrix=False``, goes through the Pyomo model, which is the reference. ``run.build_path`` says
    which. ``progress`` is told each stage as it starts.
    """
    # Building a big model creates millions of small objects and no reference cycles worth collecting on
    # the way; the cyclic collector would rescan them again and again (Pyomo's writers pause it too).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(formulation, solver, options, matrix, progress)
    finally:
        if was_enabled:
            gc.enable()


def _run(
    formulation: Formulation,
    solver: str,
    options: SolveOptions | None,
    matrix: bool,
    progress: Callable[[str], None] | None,
) -> ModelRun:
    from optmodel.modeling.checks.validate import validate_resolved
    from optmodel.modeling.pyomo.compile import CompiledModel

    options = options or SolveOptions()
    tell = progress or (lambda _: None)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    tell("validate")
    found, data = validate_resolved(formulation)
    issues = tuple(found)
    timings["validate_s"] = time.perf_counter() - start
    if any(i.severity is Severity.ERROR for i in issues):
        return ModelRun(formulation, Stage.VALIDATE, issues, timings=timings)

    start = time.perf_counter()
    tell("build")
    fast = _fast_path(formulation, data, solver, tell) if matrix and data is not None else None
    if fast is not None and data is not None:
        compiled = CompiledModel.on_demand(formulation, data)
        path = "matrix"
    else:
        try:
            compiled = _compile(formulation, data)
        except FormulationError as exc:
            return ModelRun(
                formulation, Stage.VALIDATE, tuple(exc.issues), str(exc), timings=timings
            )
        except CompileError as exc:
            message = f"{exc} (hint: {exc.hint})" if exc.hint else str(exc)
            return ModelRun(formulation, Stage.COMPILE, issues, message, timings=timings)
        path = "pyomo"
    timings["compile_s"] = time.perf_counter() - start

    start = time.perf_counter()
    tell("solve")
    try:
        result = _solve(compiled, fast, solver, options)
    except OptmodelError as exc:
        timings["solve_s"] = time.perf_counter() - start
        return ModelRun(
            formulation,
            Stage.SOLVE,
            issues,
            str(exc),
            compiled=compiled,
            timings=timings,
            build_path=path,
        )
    timings["solve_s"] = time.perf_counter() - start
    if result.has_solution and result.objective is not None:
        reported = formulation.objective.reported_value(result.objective)
        result = dataclasses.replace(result, reported_objective=reported)

    if not result.has_solution:
        return ModelRun(
            formulation,
            Stage.DONE,
            issues,
            result=result,
            compiled=compiled,
            timings=timings,
            build_path=path,
        )
    start = time.perf_counter()
    tell("check")
    report = _check(compiled, fast, result.solution)
    timings["check_s"] = time.perf_counter() - start
    result = dataclasses.replace(
        result, max_violation=report.max_violation, expressions=report.expression_values
    )
    stage = Stage.DONE
    error = ""
    if max(report.max_relative_violation, report.max_integrality_violation) > VIOLATION_TOLERANCE:
        stage = Stage.CHECK
        error = report.summary()
    return ModelRun(formulation, stage, issues, error, result, compiled, timings, path)


def _fast_path(
    formulation: Formulation, data: ModelData, solver: str, progress: Callable[[str], None]
) -> MatrixModel | None:
    """The model's standard form built over index arrays, or None when the reference path must build it."""
    from optmodel.modeling.matrix import NotVectorizable, build_matrix
    from optmodel.solvers.registry import takes_standard_form

    if not takes_standard_form(solver):
        return None
    try:
        return build_matrix(formulation, data, progress)
    except NotVectorizable:
        return None


def _compile(formulation: Formulation, data: ModelData | None) -> CompiledModel:
    from optmodel.modeling.pyomo.compile import compile_formulation

    return compile_formulation(formulation, data)


def _solve(
    compiled: CompiledModel, fast: MatrixModel | None, solver: str, options: SolveOptions
) -> SolveResult:
    from optmodel.solvers.registry import solve_standard_form

    if fast is not None:
        return solve_standard_form(fast.form, solver=solver, options=options, symbols=fast.symbols)
    # The answer is read from the result; the compiled model needs no values written into it.
    return solve_goals(compiled, solver, options)


def _check(compiled: CompiledModel, fast: MatrixModel | None, solution: Values) -> CheckReport:
    from optmodel.modeling.matrix import check_matrix_solution
    from optmodel.modeling.solution_check import check_solution

    if fast is not None:
        return check_matrix_solution(fast, solution)
    return check_solution(compiled.formulation, solution, data=compiled.data)
