"""SCIP backend via PySCIPOpt (extra ``[scip]``): every class, LP to nonconvex MINLP, solved globally.

Linear and quadratic parts come from the standard form; general nonlinear parts are translated from the
Pyomo expression tree. A non-linear objective becomes an epigraph variable, since SCIP objectives are linear.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.errors import MissingExtraError, SolverError
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolveResult, TerminationCondition
from optmodel.solvers.classify import ProblemClass
from optmodel.solvers.form_backend import StandardFormBackend
from optmodel.solvers.scip_expressions import ScipExpressionBuilder
from optmodel.solvers.trivial import check_finite_data, obvious_infeasibility
from optmodel.standard_form import NonlinearPart, StandardForm
from optmodel.standard_form.labels import constraint_label, solution_values, variable_label

if TYPE_CHECKING:
    from optmodel.symbols import SymbolMap

#: Seconds at most spent on an IIS or on probing an "infeasible or unbounded" answer.
DIAGNOSIS_TIME_CAP = 30.0

_STATUS = {
    "optimal": TerminationCondition.OPTIMAL,
    "gaplimit": TerminationCondition.OPTIMAL,  # reached the requested gap, like HiGHS's kOptimal
    "timelimit": TerminationCondition.TIME_LIMIT,
    "nodelimit": TerminationCondition.ITERATION_LIMIT,
    "totalnodelimit": TerminationCondition.ITERATION_LIMIT,
    "stallnodelimit": TerminationCondition.ITERATION_LIMIT,
    "sollimit": TerminationCondition.OBJECTIVE_LIMIT,
    "bestsollimit": TerminationCondition.OBJECTIVE_LIMIT,
    "primallimit": TerminationCondition.OBJECTIVE_LIMIT,
    "duallimit": TerminationCondition.OBJECTIVE_LIMIT,
    "userinterrupt": TerminationCondition.INTERRUPTED,
    "terminate": TerminationCondition.INTERRUPTED,
    "memlimit": TerminationCondition.ERROR,
    "infeasible": TerminationCondition.INFEASIBLE,
    "unbounded": TerminationCondition.UNBOUNDED,
    "inforunbd": TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
}


class ScipBackend(StandardFormBackend):
    """SCIP through PySCIPOpt; handles every problem class (nonconvex ones to global optimality)."""

    name = "scip"

    requires = "pyscipopt"

    def supports(self, problem_class: ProblemClass) -> bool:
        return True

    def solve_form(
        self, form: StandardForm, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        """Solve an already extracted model."""
        scip_module = _pyscipopt()
        start = time.perf_counter()
        check_finite_data(form, symbols)
        trivial = obvious_infeasibility(form, symbols, self.name, _version(scip_module.Model()))
        if trivial is not None:
            return replace(trivial, wall_time=time.perf_counter() - start)
        built = _ScipModel(scip_module, form)
        with tempfile.TemporaryDirectory() as tmp:
            log_path = Path(tmp) / "scip.log"
            _apply_options(built.model, options, log_path)
            built.model.optimize()
            status = built.model.getStatus()
            if status == "inforunbd":
                status = _probe_feasibility(scip_module, form, _cap(options, start))
            result = self._result(built, status, form, options, symbols, start)
            built.model.setLogfile(None)
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
        return replace(result, wall_time=time.perf_counter() - start, log=log)

    def _result(
        self,
        built: _ScipModel,
        status: str,
        form: StandardForm,
        options: SolveOptions,
        symbols: SymbolMap | None,
        start: float,
    ) -> SolveResult:
        model = built.model
        base = SolveResult(
            termination=_STATUS.get(status, TerminationCondition.UNKNOWN),
            status=SolutionStatus.NO_SOLUTION,
            solver=self.name,
            solver_version=_version(model),
            message=f"SCIP status: {status}",
        )
        if status == "infeasible":
            rows, message = _conflict(built, _cap(options, start))
            labels = tuple(constraint_label(form.constraints[i], symbols) for i in rows)
            return replace(
                base, status=SolutionStatus.INFEASIBLE, conflicts=labels, message=message
            )
        if status == "unbounded":
            columns = built.ray_columns() or _ray_without_presolve(
                built.scip, form, _cap(options, start)
            )
            runaway = [variable_label(form.variables[j], symbols) for j in columns]
            return replace(
                base,
                status=SolutionStatus.UNBOUNDED,
                unbounded_variables=tuple(runaway),
                message="the objective can improve without limit",
            )
        if model.getNSols() == 0 or status == "inforunbd":
            return base
        solution = model.getBestSol()
        values = np.array([model.getSolVal(solution, x) for x in built.columns])
        optimal = base.termination is TerminationCondition.OPTIMAL
        bound = float(model.getDualbound())
        gap = float(model.getGap())
        return replace(
            base,
            status=SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE,
            objective=float(model.getSolObjVal(solution)),
            best_bound=bound if abs(bound) < model.infinity() else None,
            gap=gap if abs(gap) < model.infinity() else None,
            solution=solution_values(form.variables, values, form.fixed, symbols, form.integer),
        )


class _ScipModel:
    """A PySCIPOpt model built from a StandardForm: columns ``x{j}``, rows ``r{i}``."""

    def __init__(self, scip_module: Any, form: StandardForm, objective: bool = True) -> None:
        self.scip = scip_module
        self.model = model = scip_module.Model("optmodel")
        model.hideOutput(True)
        self.columns = [
            model.addVar(
                name=f"x{j}",
                vtype=("B" if form.binary[j] else "I") if form.integer[j] else "C",
                lb=_bound(form.col_lower[j]),
                ub=_bound(form.col_upper[j]),
            )
            for j in range(form.n_cols)
        ]
        self._expressions = ScipExpressionBuilder(scip_module, self._column_of(form))
        for i in range(form.n_rows):
            self._add_row(form, i)
        if objective:
            self._set_objective(form)

    def _column_of(self, form: StandardForm) -> Any:
        # Only nonlinear parts (Pyomo expressions over the form's Pyomo variables) look columns up.
        index: dict[int, int] = {}

        def column(var: Any) -> Any:
            if not index:
                index.update((id(v), j) for j, v in enumerate(form.variables))
            return self.columns[index[id(var)]]

        return column

    def _linear(self, cols: np.ndarray, coefs: np.ndarray) -> Any:
        return self.scip.quicksum(
            float(c) * self.columns[j] for j, c in zip(cols, coefs, strict=True)
        )

    def _nonlinear(self, part: NonlinearPart | None) -> Any:
        if part is None:
            return 0.0
        expr: Any = self.scip.quicksum(
            c * self.columns[i] * self.columns[j] for i, j, c in part.quadratic
        )
        if part.expression is not None:
            expr = expr + self._expressions.build(part.expression)
        return expr

    def _add_row(self, form: StandardForm, i: int) -> None:
        lower, upper = form.row_lower[i], form.row_upper[i]
        if not (math.isfinite(lower) or math.isfinite(upper)):
            return
        expr = self._linear(*form.row(i)) + self._nonlinear(form.row_nonlinear.get(i))
        cons = self.scip.scip.ExprCons(expr, lhs=_bound(lower), rhs=_bound(upper))
        self.model.addCons(cons, name=f"r{i}")

    def _set_objective(self, form: StandardForm) -> None:
        objective = self._linear(
            np.flatnonzero(form.objective_linear), form.objective_linear[form.objective_linear != 0]
        )
        if form.objective_nonlinear is not None:
            # SCIP objectives are linear: minimise t with t >= f(x) (or maximise t with t <= f(x)).
            epigraph = self.model.addVar(name="objective_epigraph", lb=None, ub=None)
            rest = self._nonlinear(form.objective_nonlinear) - epigraph
            cons = rest <= 0 if form.sense > 0 else rest >= 0
            self.model.addCons(cons, name="objective_epigraph")
            objective = objective + epigraph
        sense = "maximize" if form.sense < 0 else "minimize"
        self.model.setObjective(objective + form.objective_offset, sense)

    def ray_columns(self) -> list[int]:
        if not self.model.hasPrimalRay():
            return []
        return [j for j, x in enumerate(self.columns) if abs(self.model.getPrimalRayVal(x)) > 1e-9]


def _conflict(built: _ScipModel, time_cap: float) -> tuple[list[int], str]:
    model = built.model
    try:
        model.setParam("iis/time", max(time_cap, 0.5))
        model.setParam("iis/silent", True)
        model.generateIIS()
        iis = model.getIIS()
        names = [cons.name for cons in iis.getSubscip().getConss()]
        irreducible = iis.isSubscipIrreducible()
    except Exception as exc:  # an IIS is a bonus; the infeasible verdict stands without it
        return [], f"the model is infeasible (SCIP IIS failed: {exc})"
    rows = sorted(int(n[1:]) for n in names if n.startswith("r") and n[1:].isdigit())
    quality = "irreducible" if irreducible else "reducible"
    return (
        rows,
        f"the model is infeasible; {quality} conflict set from SCIP IIS: {len(rows)} constraint(s)",
    )


def _ray_without_presolve(scip_module: Any, form: StandardForm, time_cap: float) -> list[int]:
    """Presolve can prove unboundedness without a ray; the plain LP/MIP solve usually yields one."""
    probe = _ScipModel(scip_module, form)
    probe.model.setPresolve(scip_module.SCIP_PARAMSETTING.OFF)
    probe.model.setParam("limits/time", time_cap)
    probe.model.optimize()
    return probe.ray_columns()


def _probe_feasibility(scip_module: Any, form: StandardForm, time_cap: float) -> str:
    """SCIP said infeasible-or-unbounded: solve without objective; feasible means unbounded."""
    probe = _ScipModel(scip_module, form, objective=False)
    probe.model.setParam("limits/time", time_cap)
    probe.model.optimize()
    status = probe.model.getStatus()
    if status == "infeasible":
        return "infeasible"
    return "unbounded" if probe.model.getNSols() > 0 else "inforunbd"


def _apply_options(model: Any, options: SolveOptions, log_path: Path) -> None:
    model.hideOutput(not options.verbose)
    model.setLogfile(str(log_path))
    settings: dict[str, Any] = {"randomization/randomseedshift": int(options.seed)}
    if options.time_limit is not None:
        settings["limits/time"] = float(options.time_limit)
    if options.rel_gap is not None:
        settings["limits/gap"] = float(options.rel_gap)
    settings.update(options.solver_options)  # SCIP is single-threaded: options.threads is ignored
    for key, value in settings.items():
        try:
            model.setParam(key, value)
        except Exception as exc:  # PySCIPOpt raises KeyError/LookupError/ValueError by case
            raise SolverError(f"SCIP rejected the option {key}={value!r}: {exc}") from None


def _pyscipopt() -> Any:
    try:
        import pyscipopt
    except ImportError as exc:
        raise MissingExtraError("pyscipopt", "scip", "the SCIP solver") from exc
    return pyscipopt


def _bound(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _cap(options: SolveOptions, start: float) -> float:
    if options.time_limit is None:
        return DIAGNOSIS_TIME_CAP
    return max(0.5, min(DIAGNOSIS_TIME_CAP, options.time_limit - (time.perf_counter() - start)))


def _version(model: Any) -> str:
    return f"SCIP {model.getMajorVersion()}.{model.getMinorVersion()}.{model.getTechVersion()}"
