"""Sub-MIPs solved by OR-Tools CP-SAT, for pure-integer models whose rows scale exactly to integers.

CP-SAT silently discretises continuous data, so the model is refused unless every column is integer
with finite bounds and every row's coefficients become integers after scaling by a power of ten.
Each iteration clones the base model and adds the fixings (``x == v``), the local-branching row or the
proximity objective, and hints the current solution.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from optmodel.errors import SolverCapabilityError
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.neighbourhood import Neighbourhood
from optmodel.solvers.alns.state import MipState
from optmodel.solvers.alns.submip import InitialOutcome, SolutionCallback, SubMipOutcome

#: Largest power of ten tried when scaling a row (or the objective) to integer coefficients.
MAX_SCALE_EXPONENT = 6


def integer_scale(values: np.ndarray) -> int | None:
    """Smallest ``10**k`` (k <= MAX_SCALE_EXPONENT) making ``values`` integral, or None."""
    for k in range(MAX_SCALE_EXPONENT + 1):
        scaled = values * 10**k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return int(10**k)
    return None


class CpSatModel:
    """``data`` as a CP-SAT model (minimising ``sense * objective``), built once."""

    def __init__(self, data: MipData) -> None:
        from ortools.sat.python import cp_model

        if not data.is_pure_integer:
            raise SolverCapabilityError(
                f"CP-SAT needs a pure-integer model; {data.name} has "
                f"{int((~data.integer).sum())} continuous column(s) — use sub_solver='highs'"
            )
        if not (np.isfinite(data.col_lower).all() and np.isfinite(data.col_upper).all()):
            raise SolverCapabilityError(
                f"CP-SAT needs finite bounds on every column; {data.name} has unbounded ones"
            )
        self.cp = cp_model
        self.model = cp_model.CpModel()
        self.vars = [
            self.model.new_int_var(int(np.ceil(lo - 1e-9)), int(np.floor(up + 1e-9)), name)
            for lo, up, name in zip(data.col_lower, data.col_upper, data.col_names, strict=True)
        ]
        for i in range(data.n_rows):
            lo, hi = data.row_start[i], data.row_start[i + 1]
            cols, coefs = data.row_index[lo:hi], data.row_value[lo:hi]
            scale = integer_scale(coefs)
            if scale is None:
                raise SolverCapabilityError(
                    f"CP-SAT needs integral row coefficients; row {i} of {data.name} does not scale "
                    f"to integers by 10**{MAX_SCALE_EXPONENT}"
                )
            expr = cp_model.LinearExpr.weighted_sum(
                [self.vars[j] for j in cols], [round(c * scale) for c in coefs]
            )
            lower, upper = data.row_lower[i] * scale, data.row_upper[i] * scale
            if np.isfinite(lower):
                self.model.add(expr >= int(np.ceil(lower - 1e-9)))
            if np.isfinite(upper):
                self.model.add(expr <= int(np.floor(upper + 1e-9)))
        cost = data.min_cost
        nonzero = np.flatnonzero(cost)
        self.objective_scale = integer_scale(cost[nonzero]) if nonzero.size else 1
        weights: list[int] | list[float]
        if self.objective_scale is not None:
            weights = [round(cost[j] * self.objective_scale) for j in nonzero]
        else:
            weights = [float(cost[j]) for j in nonzero]
        self.objective = self.cp.LinearExpr.weighted_sum([self.vars[j] for j in nonzero], weights)
        self.model.minimize(self.objective)

    def solver(self, time_limit: float, threads: int, seed: int) -> Any:
        solver = self.cp.CpSolver()
        solver.parameters.max_time_in_seconds = max(float(time_limit), 1e-3)
        solver.parameters.num_workers = threads
        solver.parameters.random_seed = seed
        return solver


class CpSatSubMip:
    """CP-SAT with the same contract as :class:`HighsSubMip`."""

    name = "cpsat"

    def __init__(self, data: MipData, *, threads: int = 1, seed: int = 0) -> None:
        self._data = data
        self._cp = CpSatModel(data)
        self._threads = threads
        self._seed = seed

    @property
    def supports_proximity(self) -> bool:
        """Proximity needs an exact cutoff row, so an objective that scales to integers."""
        return self._cp.objective_scale is not None

    def initial_solve(
        self,
        time_limit: float,
        stall_seconds: float,
        on_solution: SolutionCallback,
        stop_at_first: bool = False,
        node_limit: int | None = None,
    ) -> InitialOutcome:
        """Solve the full model; a watcher thread stops CP-SAT once it stalls (``node_limit`` caps
        conflicts)."""
        cp, variables = self._cp, self._cp.vars
        solver = cp.solver(time_limit, self._threads, self._seed)
        if node_limit is not None:
            solver.parameters.max_number_of_conflicts = node_limit
        last_found: list[float] = []
        done = threading.Event()

        class Recorder(cp.cp.CpSolverSolutionCallback):  # type: ignore[name-defined]
            def on_solution_callback(self) -> None:
                last_found.append(time.perf_counter())
                on_solution(np.array([self.value(v) for v in variables], dtype=float))
                if stop_at_first:
                    self.stop_search()

        def watch() -> None:
            while not done.wait(0.02):
                if last_found and time.perf_counter() - last_found[-1] > stall_seconds:
                    solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            status = solver.solve(cp.model, Recorder())
        finally:
            done.set()
            watcher.join()
        has = status in (cp.cp.OPTIMAL, cp.cp.FEASIBLE)
        x = np.array([solver.value(v) for v in variables], dtype=float) if has else None
        bound = solver.best_objective_bound if has else None
        return InitialOutcome(
            x=x,
            proven_optimal=status == cp.cp.OPTIMAL,
            proven_infeasible=status == cp.cp.INFEASIBLE,
            unbounded=False,
            dual_bound=None
            if bound is None
            else self._data.sense * (bound / (cp.objective_scale or 1)) + self._data.offset,
            status=str(solver.status_name(status)),
        )

    def solve(
        self,
        neighbourhood: Neighbourhood,
        current: MipState,
        time_limit: float,
        node_limit: int | None,
    ) -> SubMipOutcome:
        """Search the neighbourhood on a clone of the base model; ``node_limit`` caps CP-SAT conflicts."""
        cp, data, nb = self._cp, self._data, neighbourhood
        start = time.perf_counter()
        model = cp.model.clone()
        variables = [model.get_int_var_from_proto_index(j) for j in range(data.n_cols)]
        for j, value in zip(nb.fixed, nb.fixed_values, strict=True):
            model.add(variables[j] == int(value))
        for j, lo, up in zip(nb.narrowed, nb.narrowed_lower, nb.narrowed_upper, strict=True):
            model.add(variables[j] >= int(lo))
            model.add(variables[j] <= int(up))
        binaries = data.binary_indices
        at_one = current.x[binaries] > 0.5
        distance = sum(
            (1 - variables[j]) if one else variables[j]
            for j, one in zip(binaries, at_one, strict=True)
        )
        if nb.local_branching is not None:
            model.add(distance <= nb.local_branching)
        if nb.proximity:
            if cp.objective_scale is None:
                raise SolverCapabilityError(
                    "proximity search with CP-SAT needs an objective that scales to integers"
                )
            bound = (current.min_objective - data.sense * data.offset) * cp.objective_scale
            model.add(self._rebuild_objective(variables) <= int(np.ceil(bound - 1e-6)) - 1)
            model.minimize(distance)
        for j, var in enumerate(variables):
            model.add_hint(var, int(current.x[j]))
        solver = cp.solver(time_limit, self._threads, self._seed)
        if node_limit is not None:
            solver.parameters.max_number_of_conflicts = node_limit
        status = solver.solve(model)
        has = status in (cp.cp.OPTIMAL, cp.cp.FEASIBLE)
        x = np.array([solver.value(v) for v in variables], dtype=float) if has else None
        name = {cp.cp.OPTIMAL: "optimal", cp.cp.INFEASIBLE: "infeasible"}.get(status, "time_limit")
        if status == cp.cp.MODEL_INVALID:
            name = "error"
        work = float(solver.num_conflicts + solver.num_branches)
        return SubMipOutcome(
            x, name, name in ("optimal", "infeasible"), time.perf_counter() - start, work
        )

    def _rebuild_objective(self, variables: list[Any]) -> Any:
        cost = self._data.min_cost
        nonzero = np.flatnonzero(cost)
        scale = self._cp.objective_scale or 1
        coefs = [round(cost[j] * scale) for j in nonzero]
        return self._cp.cp.LinearExpr.weighted_sum([variables[j] for j in nonzero], coefs)
