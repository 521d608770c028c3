"""Sub-MIPs solved by highspy directly on one reused ``Highs`` object.

Per iteration: ``changeColsBounds`` fixes/narrows integer columns, the current solution goes in as a MIP
start when it lies in the neighbourhood (HiGHS then only accepts strictly better solutions, which acts as
the cutoff), otherwise an explicit cutoff row ``c@x <= z - delta`` is tightened. HiGHS's
``objective_bound`` is *not* used as a cutoff: measured on gen-ip054 with a bound below the optimum, HiGHS
pruned everything and reported a worse solution as "optimal". Local branching adds a row that is deleted
afterwards. Everything is restored in ``finally`` so the model is always the original between iterations.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from optmodel.solvers.alns.highs_model import build_highs
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.state import MipState
from optmodel.solvers.alns.submip import InitialOutcome, SolutionCallback, SubMipOutcome
from optmodel.solvers.highs_threads import use_highs_threads

_MAX_INT = 2**31 - 1


def cutoff_delta(data: MipData, objective: float) -> float:
    """Smallest improvement worth asking for: 1 when the objective is integral, else relative 1e-6."""
    if data.has_integral_objective:
        return 1.0 - 1e-6
    return 1e-6 * max(1.0, abs(objective))


class HighsSubMip:
    """One ``Highs`` object loaded with the MIP plus a (normally free) cutoff row."""

    name = "highs"

    def __init__(self, data: MipData, *, threads: int = 1, seed: int = 0) -> None:
        import highspy

        self._hs = highspy
        self._data = data
        self._threads = threads
        self._highs = build_highs(data, threads=threads, seed=seed)
        self._inf = highspy.kHighsInf
        self._lower = np.clip(data.col_lower, -self._inf, self._inf)
        self._upper = np.clip(data.col_upper, -self._inf, self._inf)
        nonzero = np.flatnonzero(data.min_cost)
        self._cutoff_row = data.n_rows
        self._highs.addRow(
            -self._inf, self._inf, len(nonzero), nonzero.astype(np.int32), data.min_cost[nonzero]
        )

    @property
    def highs(self) -> Any:
        """The underlying ``highspy.Highs`` (read-only use, e.g. in tests)."""
        return self._highs

    def initial_solve(
        self,
        time_limit: float,
        stall_seconds: float,
        on_solution: SolutionCallback,
        stop_at_first: bool = False,
        node_limit: int | None = None,
    ) -> InitialOutcome:
        """Run HiGHS on the full model; see :meth:`SubMipSolver.initial_solve` for when it stops.

        HiGHS offers the interrupt callback only between nodes (ten times in ten seconds on a set cover
        whose root takes seven), so the time limit is what reliably ends this phase.
        """
        hs, highs = self._hs, self._highs
        last_found: list[float] = []

        def improving(event: Any) -> None:
            last_found.append(time.perf_counter())
            on_solution(np.asarray(event.data_out.mip_solution, dtype=float))

        def interrupt(event: Any) -> None:
            if last_found and time.perf_counter() - last_found[-1] > stall_seconds:
                event.data_in.user_interrupt = True

        highs.setOptionValue("time_limit", max(float(time_limit), 1e-3))
        highs.setOptionValue("mip_max_nodes", node_limit or _MAX_INT)
        highs.setOptionValue("mip_max_improving_sols", 1 if stop_at_first else _MAX_INT)
        highs.cbMipImprovingSolution.subscribe(improving)
        highs.cbMipInterrupt.subscribe(interrupt)
        try:
            use_highs_threads(highs, self._threads)
            highs.run()
        finally:
            highs.cbMipImprovingSolution.unsubscribe(improving)
            highs.cbMipInterrupt.unsubscribe(interrupt)
            highs.setOptionValue("mip_max_improving_sols", _MAX_INT)
        status = highs.getModelStatus()
        info = highs.getInfo()
        x = self._solution()
        dual = float(info.mip_dual_bound)
        return InitialOutcome(
            x=x,
            proven_optimal=status == hs.HighsModelStatus.kOptimal,
            proven_infeasible=status == hs.HighsModelStatus.kInfeasible,
            unbounded=status
            in (hs.HighsModelStatus.kUnbounded, hs.HighsModelStatus.kUnboundedOrInfeasible),
            dual_bound=dual if np.isfinite(dual) and abs(dual) < self._inf else None,
            status=highs.modelStatusToString(status),
        )

    def solve(
        self,
        neighbourhood: Neighbourhood,
        current: MipState,
        time_limit: float,
        node_limit: int | None,
    ) -> SubMipOutcome:
        """Search the neighbourhood for a strictly better solution, then restore the model."""
        hs, highs, data, nb = self._hs, self._highs, self._data, neighbourhood
        fixed = nb.fixed.astype(np.int32)
        narrowed = nb.narrowed.astype(np.int32)
        extra_row = False
        start = time.perf_counter()
        try:
            if fixed.size:
                highs.changeColsBounds(len(fixed), fixed, nb.fixed_values, nb.fixed_values)
            if narrowed.size:
                highs.changeColsBounds(
                    len(narrowed), narrowed, nb.narrowed_lower, nb.narrowed_upper
                )
            if nb.local_branching is not None:
                self._add_local_branching_row(current.x, nb.local_branching)
                extra_row = True
            if nb.proximity:
                self._set_proximity_objective(current.x)
            if not nb.proximity and nb.contains(current.x):
                solution = hs.HighsSolution()
                solution.col_value = current.x.tolist()
                solution.value_valid = True
                highs.setSolution(solution)
            else:
                bound = current.min_objective - data.sense * data.offset
                highs.changeRowBounds(
                    self._cutoff_row, -self._inf, bound - cutoff_delta(data, current.min_objective)
                )
            highs.setOptionValue("time_limit", max(float(time_limit), 1e-3))
            highs.setOptionValue("mip_max_nodes", node_limit or _MAX_INT)
            use_highs_threads(highs, self._threads)
            highs.run()
            status = highs.getModelStatus()
            x = self._solution()
            info = highs.getInfo()
            nodes = max(info.mip_node_count, 0)
            work = float(max(info.simplex_iteration_count, 0) + nodes)
        finally:
            self._restore(fixed, narrowed, extra_row, nb.proximity)
        seconds = time.perf_counter() - start
        name = {
            hs.HighsModelStatus.kOptimal: "optimal",
            hs.HighsModelStatus.kInfeasible: "infeasible",
            hs.HighsModelStatus.kTimeLimit: "time_limit",
            hs.HighsModelStatus.kSolutionLimit: "node_limit",
            hs.HighsModelStatus.kInterrupt: "interrupted",
        }.get(status, "error")
        return SubMipOutcome(
            x,
            name,
            name in ("optimal", "infeasible"),
            seconds,
            work,
            name == "time_limit" and nodes <= 1,
        )

    def _solution(self) -> np.ndarray | None:
        if self._highs.getInfo().primal_solution_status != self._hs.kSolutionStatusFeasible:
            return None
        return np.asarray(self._highs.getSolution().col_value, dtype=float)[: self._data.n_cols]

    def _add_local_branching_row(self, x: np.ndarray, radius: int) -> None:
        # sum_{x̄=0} x_j + sum_{x̄=1} (1 - x_j) <= k  <=>  sum c_j x_j <= k - |{x̄=1}|
        binaries = self._data.binary_indices
        at_one = x[binaries] > 0.5
        coefs = np.where(at_one, -1.0, 1.0)
        self._highs.addRow(
            -self._inf,
            float(radius - at_one.sum()),
            len(binaries),
            binaries.astype(np.int32),
            coefs,
        )

    def _set_proximity_objective(self, x: np.ndarray) -> None:
        """Objective := Hamming distance to ``x`` over binaries, minimised."""
        data, highs = self._data, self._highs
        cost = np.zeros(data.n_cols)
        binaries = data.binary_indices
        cost[binaries] = np.where(x[binaries] > 0.5, -1.0, 1.0)
        highs.changeColsCost(data.n_cols, np.arange(data.n_cols, dtype=np.int32), cost)
        highs.changeObjectiveOffset(0.0)
        if data.maximize:
            highs.changeObjectiveSense(self._hs.ObjSense.kMinimize)

    def _restore(
        self, fixed: np.ndarray, narrowed: np.ndarray, extra_row: bool, proximity: bool
    ) -> None:
        highs, data = self._highs, self._data
        for cols in (fixed, narrowed):
            if cols.size:
                highs.changeColsBounds(len(cols), cols, self._lower[cols], self._upper[cols])
        if extra_row:
            highs.deleteRows(1, np.array([highs.getNumRow() - 1], dtype=np.int32))
        highs.changeRowBounds(self._cutoff_row, -self._inf, self._inf)
        if proximity:
            if data.maximize:
                highs.changeObjectiveSense(self._hs.ObjSense.kMaximize)
            highs.changeColsCost(data.n_cols, np.arange(data.n_cols, dtype=np.int32), data.cost)
            highs.changeObjectiveOffset(data.offset)
