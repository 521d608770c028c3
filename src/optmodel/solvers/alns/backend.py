"""``solver="alns"``: the ALNS meta-solver as a :class:`SolverBackend`.

Options beyond :class:`SolveOptions` go through ``solver_options`` (see :class:`AlnsConfig`)::

    solve_model(model, solver="alns", options=SolveOptions(time_limit=30, seed=1,
                solver_options={"sub_solver": "highs", "policy": "ucb", "destroy_rates": (0.05, 0.3, 0.9)}))
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from optmodel.solvers.alns.host_client import take_host
from optmodel.solvers.alns.pyomo_bridge import mip_from_pyomo
from optmodel.solvers.alns.selection import check_bandit_dependencies
from optmodel.solvers.alns.solve import (
    SOLVER_NAME,
    config_from_options,
    to_solve_result,
)
from optmodel.solvers.base import SolveOptions, SolveResult
from optmodel.solvers.classify import ProblemClass

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optmodel.symbols import SymbolMap

_SUPPORTED = frozenset({ProblemClass.LP, ProblemClass.MILP})


class AlnsBackend:
    """Bandit-guided ALNS over HiGHS (or CP-SAT) sub-MIPs. LP and MILP only."""

    name = SOLVER_NAME

    def available(self) -> bool:
        """True when the ``bandit`` extra (``alns``, ``mabwiser``) and highspy are installed."""
        return all(importlib.util.find_spec(p) is not None for p in ("alns", "mabwiser", "highspy"))

    def supports(self, problem_class: ProblemClass) -> bool:
        return problem_class in _SUPPORTED

    def solve(
        self,
        model: pyo.ConcreteModel,
        options: SolveOptions,
        symbols: SymbolMap | None = None,
    ) -> SolveResult:
        """Solve ``model``; the budget counts from here (the bandit libraries load inside it)."""
        config = config_from_options(options)
        check_bandit_dependencies()
        start = time.perf_counter()
        with take_host() as host:  # started early, or now: while the model is written and read
            mip = mip_from_pyomo(model)
            search = host.run(mip.data, config, start)
        solution = mip.solution(search.x, symbols) if search.x is not None else {}
        result = to_solve_result(mip.data, config, search, solution)
        return replace(result, wall_time=time.perf_counter() - start)
