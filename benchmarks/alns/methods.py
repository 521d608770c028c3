"""The compared methods, each on one thread, each reading the instance inside its own clock.

Every ``run_*`` gets a started :class:`Recorder` and must feed it each improving incumbent with its
time; the solver's own time limit is set to what is left of the budget after reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.alns.recorder import Recorder

MIN_LIMIT = 0.05


def _left(rec: Recorder, time_limit: float) -> float:
    return max(MIN_LIMIT, time_limit - rec.elapsed())


#: How long :func:`prepare` waits for the ALNS's host process to import its libraries.
HOST_READY_WAIT = 60.0


def prepare(method: str) -> None:
    """Import the method's solver library before the clock starts. For both ALNS modes that
    includes the host process's imports (numpy, highspy: it is started and waited for here, as
    ``import highspy`` is for plain HiGHS; ``optmodel solve --solver alns`` starts it first thing).
    Both import the bandit libraries (MABWiser, ``alns``) inside the clock, as a user's run does:
    the stand-alone LNS when its first iteration is due, ALNS v2 in its worker process."""
    if method in ("highs", "alns", "lns"):
        import highspy  # noqa: F401
    if method in ("alns", "lns"):
        from optmodel.solvers.alns.host_client import start_host_early
        from optmodel.solvers.alns.solve import solve_mps  # noqa: F401 - its imports, not the clock's

        if not start_host_early(wait=HOST_READY_WAIT):
            raise RuntimeError("the ALNS host process did not start")
    if method == "scip":
        import pyscipopt  # noqa: F401
    if method == "cpsat":
        from ortools.sat.python import cp_model  # noqa: F401


def run_highs(
    path: Path, time_limit: float, seed: int, rec: Recorder, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Plain HiGHS: improving solutions from its MIP callback."""
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", seed)
    if highs.readModel(str(path)) != highspy.HighsStatus.kOk:
        return {"status": "read_error"}
    names = list(highs.getLp().col_names_)

    def improving(event: Any) -> None:
        x = np.asarray(event.data_out.mip_solution, dtype=float)
        rec.offer(
            float(event.data_out.objective_function_value),
            dict(zip(names, x.tolist(), strict=True)),
        )

    highs.cbMipImprovingSolution.subscribe(improving)
    highs.setOptionValue("time_limit", _left(rec, time_limit))
    highs.run()
    info = highs.getInfo()
    if info.primal_solution_status == highspy.kSolutionStatusFeasible:
        x = list(highs.getSolution().col_value)
        rec.offer(float(info.objective_function_value), dict(zip(names, x, strict=True)))
    return {
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "dual_bound": info.mip_dual_bound,
    }


def run_scip(
    path: Path, time_limit: float, seed: int, rec: Recorder, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Plain SCIP (PySCIPOpt): an event handler records every new best solution."""
    from pyscipopt import SCIP_EVENTTYPE, Eventhdlr, Model

    model = Model()
    model.hideOutput()
    model.readProblem(str(path))
    model.setParam("lp/threads", 1)
    model.setParam("parallel/maxnthreads", 1)
    model.setParam("randomization/randomseedshift", seed)
    variables = model.getVars()

    class BestSolution(Eventhdlr):
        def eventinit(self) -> None:
            self.model.catchEvent(SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexit(self) -> None:
            self.model.dropEvent(SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexec(self, event: Any) -> None:
            sol = self.model.getBestSol()
            rec.offer(
                float(self.model.getSolObjVal(sol)),
                {v.name: self.model.getSolVal(sol, v) for v in variables},
            )

    model.includeEventhdlr(BestSolution(), "best_solution", "records improving solutions")
    model.setParam("limits/time", _left(rec, time_limit))
    model.optimize()
    if model.getNSols() > 0:
        sol = model.getBestSol()
        rec.offer(
            float(model.getSolObjVal(sol)), {v.name: model.getSolVal(sol, v) for v in variables}
        )
    return {"status": model.getStatus(), "dual_bound": model.getDualbound()}


def run_cpsat(
    path: Path, time_limit: float, seed: int, rec: Recorder, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Plain CP-SAT with one worker on pure-integer models (the ALNS's exact-scaling model)."""
    from ortools.sat.python import cp_model

    from optmodel.errors import SolverCapabilityError
    from optmodel.solvers.alns.cpsat_submip import CpSatModel
    from optmodel.solvers.alns.mip_reading import read_mip_file

    data = read_mip_file(path)
    try:
        built = CpSatModel(data)
    except SolverCapabilityError as exc:
        return {"status": "not_applicable", "reason": str(exc)}
    variables = built.vars

    class Incumbents(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            x = np.array([self.value(v) for v in variables], dtype=float)
            rec.offer(data.objective(x), dict(zip(data.col_names, x.tolist(), strict=True)))

    solver = built.solver(_left(rec, time_limit), threads=1, seed=seed)
    status = solver.solve(built.model, Incumbents())
    return {"status": str(solver.status_name(status))}


def run_alns(
    path: Path, time_limit: float, seed: int, rec: Recorder, options: Mapping[str, Any]
) -> dict[str, Any]:
    """ALNS v2 (mode "tree" unless ``options`` name another) via :func:`solve_mps`; its trajectory is
    re-based onto this clock."""
    from optmodel.solvers.alns.solve import solve_mps
    from optmodel.solvers.base import SolveOptions

    called = rec.elapsed()
    result = solve_mps(
        path,
        SolveOptions(
            time_limit=max(MIN_LIMIT, time_limit - called),
            threads=1,
            seed=seed,
            solver_options={"mode": "tree", **options},
        ),
    )
    for point in result.extra["trajectory"]:
        if point["outcome"] == "best" and point["objective"] is not None:
            rec.offer(float(point["objective"]), at=called + point["time"])
    if result.has_solution:
        rec.save_solution({k: float(v) for k, v in result.solution.items()})  # type: ignore[arg-type]
    operators = result.extra.get("operators", {})
    return {
        "status": result.termination.value,
        "iterations": result.extra.get("iterations"),
        "operators": operators,
        "message": result.message,
        "finished_at": round(rec.elapsed(), 4),
        "own_wall_time": result.wall_time,
        "start_offset": round(called, 4),
        "alns_trajectory": result.extra["trajectory"],
        "dual_bound": result.best_bound,
        "counters": {
            k: result.extra[k]
            for k in (
                "user_solution_offers",
                "offers_used",
                "lns_seconds",
                "solutions_handed_over",
                "host_nodes",
                "worker_ready_at",
                "offer_times",
                "startup",
            )
            if k in result.extra
        },
    }


def run_lns(
    path: Path, time_limit: float, seed: int, rec: Recorder, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The stand-alone LNS (``mode="lns"``): capped initial HiGHS solve, then sub-MIPs only."""
    return run_alns(path, time_limit, seed, rec, {**options, "mode": "lns"})


METHODS = {
    "highs": run_highs,
    "scip": run_scip,
    "cpsat": run_cpsat,
    "alns": run_alns,
    "lns": run_lns,
}
