"""``solver="pyomo:NAME"``: any solver Pyomo's ``SolverFactory`` knows (CBC, GLPK, Gurobi, CPLEX, ...).

Pyomo has several solver interfaces with different result objects; this goes through the one every
``SolverFactory`` name offers (``solve(model, load_solutions=False)`` returning ``SolverResults``) and maps
its termination condition onto ours. Time limits go through Pyomo's own ``timelimit`` argument, which each
plugin translates into its solver's option; anything else passes verbatim through ``solver_options``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.errors import SolverError, SolverUnavailableError
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolveResult, TerminationCondition
from optmodel.solvers.classify import ProblemClass
from optmodel.standard_form.labels import solution_values

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optmodel.symbols import SymbolMap

PREFIX = "pyomo:"

#: Option names for threads and the relative MIP gap, for the solvers whose names we know.
_THREADS = {
    "cbc": "threads",
    "gurobi": "Threads",
    "gurobi_direct": "Threads",
    "cplex": "threads",
    "highs": "threads",
    "appsi_highs": "threads",
}
_GAP = {
    "cbc": "ratio",
    "gurobi": "MIPGap",
    "gurobi_direct": "MIPGap",
    "cplex": "mipgap",
    "highs": "mip_rel_gap",
    "appsi_highs": "mip_rel_gap",
}


class PyomoSolverBackend:
    """One ``SolverFactory`` solver. It decides what it can solve, so every problem class is passed on."""

    def __init__(self, solver_name: str) -> None:
        if not solver_name:
            raise SolverUnavailableError(
                "'pyomo:' needs a solver name, e.g. pyomo:cbc, pyomo:glpk, pyomo:gurobi"
            )
        self.solver_name = solver_name
        self.name = PREFIX + solver_name

    def available(self) -> bool:
        try:
            return bool(_factory(self.solver_name).available(exception_flag=False))
        except Exception:  # a plugin that fails to load is as good as absent
            return False

    @property
    def install_hint(self) -> str:
        return (
            f"Pyomo's SolverFactory({self.solver_name!r}) is not usable here: the solver is not installed, "
            "not on PATH or not licensed. Install it (e.g. conda install -c conda-forge coincbc glpk), "
            "or use one of optmodel's own solvers: highs, scip, cpsat, alns"
        )

    def supports(self, problem_class: ProblemClass) -> bool:
        return True

    def solve(
        self, model: pyo.ConcreteModel, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        import pyomo.environ as pyo
        from pyomo.opt import TerminationCondition as PyomoTermination

        solver = _factory(self.solver_name)
        if not solver.available(exception_flag=False):
            raise SolverUnavailableError(self.install_hint)
        for key, value in self._option_values(options).items():
            solver.options[key] = value
        start = time.perf_counter()
        kwargs: dict[str, Any] = {"load_solutions": False, "tee": options.verbose}
        if options.time_limit is not None:
            kwargs["timelimit"] = options.time_limit
        results = solver.solve(model, **kwargs)
        wall = time.perf_counter() - start
        condition = results.solver.termination_condition
        termination = _TERMINATION.get(str(condition), TerminationCondition.UNKNOWN)
        has_solution = len(results.solution) > 0 and termination not in _NO_SOLUTION
        if not has_solution:
            status = _STATUS_WITHOUT_SOLUTION.get(termination, SolutionStatus.NO_SOLUTION)
            return SolveResult(
                termination=termination,
                status=status,
                solver=self.name,
                wall_time=wall,
                message=f"Pyomo {self.solver_name}: {condition}",
            )
        model.solutions.load_from(results)
        # A variable the solver never saw (in no constraint or objective) has no value to report.
        variables = [
            v
            for v in model.component_data_objects(pyo.Var, descend_into=True)
            if v.value is not None
        ]
        values = [float(v.value) for v in variables]
        integer = np.array([v.is_integer() for v in variables], dtype=bool)
        objective = next(
            iter(model.component_data_objects(pyo.Objective, active=True, descend_into=True)), None
        )
        return SolveResult(
            termination=termination,
            status=SolutionStatus.OPTIMAL
            if condition == PyomoTermination.optimal
            else SolutionStatus.FEASIBLE,
            solver=self.name,
            objective=float(pyo.value(objective)) if objective is not None else 0.0,
            wall_time=wall,
            solution=solution_values(variables, values, {}, symbols, integer),
            message=f"Pyomo {self.solver_name}: {condition}",
        )

    def _option_values(self, options: SolveOptions) -> Mapping[str, Any]:
        settings: dict[str, Any] = {}
        for given, names, what in (
            (options.threads, _THREADS, "threads"),
            (options.rel_gap, _GAP, "the relative gap"),
        ):
            if given is None:
                continue
            if self.solver_name not in names:
                raise SolverError(
                    f"optmodel does not know how {self.name} sets {what}; "
                    "pass the solver's own option with --option NAME=VALUE (solver_options)"
                )
            settings[names[self.solver_name]] = given
        settings.update(options.solver_options)
        return settings


def _factory(name: str) -> Any:
    import pyomo.environ as pyo

    # An unknown name makes Pyomo log a traceback before returning a stub; the stub's available() says it all.
    quiet = logging.getLogger("pyomo")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        return pyo.SolverFactory(name)
    finally:
        quiet.setLevel(level)


_TERMINATION: Mapping[str, TerminationCondition] = {
    "optimal": TerminationCondition.OPTIMAL,
    "globallyOptimal": TerminationCondition.OPTIMAL,
    "locallyOptimal": TerminationCondition.OPTIMAL,
    "feasible": TerminationCondition.UNKNOWN,
    "infeasible": TerminationCondition.INFEASIBLE,
    "unbounded": TerminationCondition.UNBOUNDED,
    "infeasibleOrUnbounded": TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    "maxTimeLimit": TerminationCondition.TIME_LIMIT,
    "maxIterations": TerminationCondition.ITERATION_LIMIT,
    "maxEvaluations": TerminationCondition.ITERATION_LIMIT,
    "minFunctionValue": TerminationCondition.OBJECTIVE_LIMIT,
    "userInterrupt": TerminationCondition.INTERRUPTED,
    "solverFailure": TerminationCondition.ERROR,
    "internalSolverError": TerminationCondition.ERROR,
    "error": TerminationCondition.ERROR,
    "licensingProblems": TerminationCondition.ERROR,
    "resourceInterrupt": TerminationCondition.INTERRUPTED,
    "intermediateNonInteger": TerminationCondition.NUMERICAL_ERROR,
}
_NO_SOLUTION = frozenset(
    {
        TerminationCondition.INFEASIBLE,
        TerminationCondition.UNBOUNDED,
        TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
        TerminationCondition.ERROR,
        TerminationCondition.NUMERICAL_ERROR,
    }
)
_STATUS_WITHOUT_SOLUTION = {
    TerminationCondition.INFEASIBLE: SolutionStatus.INFEASIBLE,
    TerminationCondition.UNBOUNDED: SolutionStatus.UNBOUNDED,
}
