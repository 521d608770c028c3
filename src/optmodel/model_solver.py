"""Formulation -> validated, compiled, solved and independently checked result, with where it stopped.

This is the one place that joins ``modeling`` and ``solvers`` (which never import each other). It never raises
for a bad model: validation issues, compile errors and solver failures come back as a :class:`ModelRun`, since
they are exactly what a repair loop or a benchmark needs to see.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optmodel.errors import CompileError, FormulationError, OptmodelError
from optmodel.modeling.issues import Issue, Severity
from optmodel.solvers.base import SolveOptions, SolveResult, TerminationCondition

if TYPE_CHECKING:
    from optmodel.modeling.compile import CompiledModel
    from optmodel.modeling.ir import Formulation

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
) -> ModelRun:
    """Validate, compile, solve and check ``formulation``; report the first stage that fails.

    ``stage`` is ``DONE`` when the solver returned a result (optimal, infeasible, unbounded or time-limited)
    and, if it returned a solution, the solution satisfies every constraint of the Formulation.
    """
    from optmodel.modeling.check import check_solution
    from optmodel.modeling.compile import compile_formulation
    from optmodel.modeling.validate import validate

    options = options or SolveOptions()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    issues = tuple(validate(formulation))
    timings["validate_s"] = time.perf_counter() - start
    if any(i.severity is Severity.ERROR for i in issues):
        return ModelRun(formulation, Stage.VALIDATE, issues, timings=timings)

    start = time.perf_counter()
    try:
        compiled = compile_formulation(formulation)
    except FormulationError as exc:
        return ModelRun(formulation, Stage.VALIDATE, tuple(exc.issues), str(exc), timings=timings)
    except CompileError as exc:
        message = f"{exc} (hint: {exc.hint})" if exc.hint else str(exc)
        return ModelRun(formulation, Stage.COMPILE, issues, message, timings=timings)
    timings["compile_s"] = time.perf_counter() - start

    start = time.perf_counter()
    try:
        # The answer is read from the result; the compiled model needs no values written into it.
        result = solve_goals(compiled, solver, options)
    except OptmodelError as exc:
        timings["solve_s"] = time.perf_counter() - start
        return ModelRun(
            formulation, Stage.SOLVE, issues, str(exc), compiled=compiled, timings=timings
        )
    timings["solve_s"] = time.perf_counter() - start

    if not result.has_solution:
        return ModelRun(
            formulation, Stage.DONE, issues, result=result, compiled=compiled, timings=timings
        )
    start = time.perf_counter()
    report = check_solution(formulation, result.solution, data=compiled.data)
    timings["check_s"] = time.perf_counter() - start
    result = dataclasses.replace(
        result, max_violation=report.max_violation, expressions=report.expression_values
    )
    stage = Stage.DONE
    error = ""
    if max(report.max_relative_violation, report.max_integrality_violation) > VIOLATION_TOLERANCE:
        stage = Stage.CHECK
        error = report.summary()
    return ModelRun(formulation, stage, issues, error, result, compiled, timings)
