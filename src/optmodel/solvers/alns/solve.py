"""Entry points: solve an MPS/LP file or an in-memory :class:`MipData` with the ALNS; get a SolveResult."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.host_client import HostProcess, take_host
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.mip_reading import read_mip_file
from optmodel.solvers.alns.search import SearchResult
from optmodel.solvers.alns.selection import check_bandit_dependencies
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolveResult, TerminationCondition

SOLVER_NAME = "alns"
#: Budget when SolveOptions.time_limit is None: an ALNS has no natural end.
DEFAULT_TIME_LIMIT = 60.0

_TERMINATION = {
    "optimal": TerminationCondition.OPTIMAL,
    "infeasible": TerminationCondition.INFEASIBLE,
    "unbounded": TerminationCondition.UNBOUNDED,
    "infeasible_or_unbounded": TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    "time_limit": TerminationCondition.TIME_LIMIT,
    "iteration_limit": TerminationCondition.ITERATION_LIMIT,
    "error": TerminationCondition.ERROR,
}


def config_from_options(options: SolveOptions) -> AlnsConfig:
    """Read :class:`AlnsConfig` from ``SolveOptions`` (``solver_options`` carries the ALNS-specific ones)."""
    return AlnsConfig.from_options(
        options.solver_options,
        time_limit=options.time_limit if options.time_limit is not None else DEFAULT_TIME_LIMIT,
        seed=options.seed,
        threads=options.threads,
    )


def solve_mps(path: str | Path, options: SolveOptions | None = None) -> SolveResult:
    """Solve the MPS/LP file at ``path`` with the ALNS; the clock starts before reading.

    The solution maps column names to values. Example::

        result = solve_mps("model.mps", SolveOptions(time_limit=30, solver_options={"policy": "ucb"}))
    """
    config = config_from_options(options or SolveOptions())
    # Only a check: nothing heavy is imported before the clock starts (the stand-alone LNS imports
    # the bandit libraries when its first iteration is due, tree mode in its worker process).
    check_bandit_dependencies()
    start = time.perf_counter()
    with take_host() as host:  # started early, or now: while the file is read
        if config.mode == "tree":
            host.read_ahead(path, config, start)
        data = read_mip_file(path)
        return solve_mip(data, config, start=start, host=host)


def solve_mip(
    data: MipData,
    config: AlnsConfig,
    *,
    start: float | None = None,
    column_names: Mapping[int, str] | None = None,
    host: HostProcess | None = None,
) -> SolveResult:
    """Run the ALNS on ``data`` in a host process (``host``, or one started here) that is killed at
    the deadline if it has not finished; ``start`` (``time.perf_counter``) is when the budget began."""
    started = time.perf_counter() if start is None else start
    with host or take_host() as running:  # run() closes it: one run per host
        search = running.run(data, config, started)
    solution: dict[str, Any] = {}
    if search.x is not None:
        names = column_names or dict(enumerate(data.col_names))
        solution = {names[j]: float(v) for j, v in enumerate(search.x) if j in names}
    return to_solve_result(data, config, search, solution)


def to_solve_result(
    data: MipData, config: AlnsConfig, search: SearchResult, solution: Mapping[str, Any]
) -> SolveResult:
    """Package a :class:`SearchResult` as the solver-agnostic :class:`SolveResult`."""
    has_solution = search.x is not None
    termination = _TERMINATION[search.termination]
    if search.termination == "optimal":
        status = SolutionStatus.OPTIMAL
    elif search.termination == "unbounded":
        status = SolutionStatus.UNBOUNDED
    elif has_solution:
        status = SolutionStatus.FEASIBLE
    elif search.termination == "infeasible":
        status = SolutionStatus.INFEASIBLE
    else:
        status = SolutionStatus.NO_SOLUTION
    gap = None
    if has_solution and search.dual_bound is not None and search.objective is not None:
        gap = abs(search.objective - search.dual_bound) / max(abs(search.objective), 1e-10)
    return SolveResult(
        termination=termination,
        status=status,
        solver=SOLVER_NAME,
        objective=search.objective,
        best_bound=search.dual_bound,
        gap=gap,
        wall_time=search.elapsed,
        solver_version=_version(config),
        solution=solution,
        max_violation=data.max_violation(search.x) if search.x is not None else None,
        message="; ".join(search.notes),
        extra={
            "trajectory": search.trajectory,
            "iterations": search.iterations,
            "operators": search.operators,
            "sub_solver": config.sub_solver,
            "policy": config.policy,
            "seed": config.seed,
            "time_limit": config.time_limit,
            "mode": config.mode,
            **search.counters,
        },
    )


def _version(config: AlnsConfig) -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("alns", "mabwiser", "highspy" if config.sub_solver == "highs" else "ortools"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    return ", ".join(parts)


def solution_vector(data: MipData, solution: Mapping[str, float]) -> np.ndarray:
    """Column values in ``data``'s order from a name -> value solution (missing names raise KeyError)."""
    return np.array([solution[name] for name in data.col_names], dtype=float)
