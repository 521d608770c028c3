"""Balans (``pip install balans``) with its shipped default configuration, stopped at our deadline.

Only the run time is changed (``MaxRuntime(T)`` instead of the config's 60 s, at least the config's
10 s first-solution limit, which Balans insists on), the seed is varied (1283 + s; 1283 is the shipped
one), and
two methods are wrapped to record each solution Balans finds: ``_Instance.initial_solve`` and
``_Instance.solve``. Objectives are evaluated independently from the MPS file. The parent process kills
the run at the deadline, since Balans can overrun it; what was recorded by then is the result.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.alns.mps_check import MpsModel
from benchmarks.alns.recorder import Recorder


def prepare() -> None:
    """Import Balans and its dependencies before the clock starts."""
    import balans.solver  # noqa: F401


def run_balans(
    path: Path, time_limit: float, seed: int, rec: Recorder, model: MpsModel
) -> dict[str, Any]:
    """Run Balans on ``path``; every solution it produces is offered to ``rec``."""
    from balans.base_instance import _Instance
    from balans.solver import Balans

    from alns.stop import MaxRuntime

    position = {name: j for j, name in enumerate(model.col_names)}

    def record(instance: Any, index_to_val: Mapping[int, float]) -> None:
        if not index_to_val:
            return
        names = {v.getIndex(): v.name for v in instance.mip.variables}
        # A sub-MIP's auxiliary columns (proximity's slack) are not the model's: leave them out.
        solution = {names[i]: float(v) for i, v in index_to_val.items() if i in names}
        x = np.zeros(len(model.col_names))
        for name, value in solution.items():
            if name in position:
                x[position[name]] = value
        rec.offer(model.objective(x), solution)

    original_initial, original_solve = _Instance.initial_solve, _Instance.solve

    def initial_solve(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_to_val, obj_val = original_initial(self, *args, **kwargs)
        record(self, index_to_val)
        return index_to_val, obj_val

    def solve(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_to_val, obj_val = original_solve(self, *args, **kwargs)
        record(self, index_to_val)
        return index_to_val, obj_val

    _Instance.initial_solve = initial_solve
    _Instance.solve = solve
    budget = max(10.0, time_limit - rec.elapsed())
    solver = Balans(seed=1283 + seed, stop=MaxRuntime(budget))
    with contextlib.redirect_stdout(io.StringIO()):  # Balans prints every step
        result = solver.solve(str(path))
    return {"status": "finished" if result is not None else "no_operators"}
