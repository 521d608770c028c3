"""A Pyomo model as :class:`MipData`, via Pyomo's MPS writer with symbolic labels.

The writer's symbol map ties each MPS column back to its ``VarData``, so the solution can be reported in
the model's names (or a Formulation's, through a :class:`SymbolMap`). Fixed variables are written as
constants, so their values are added back from the model.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optmodel.errors import SolverCapabilityError
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.alns.mip_reading import read_mip_file
from optmodel.standard_form.labels import solution_values
from optmodel.symbols import SymbolMap


@dataclass(frozen=True, eq=False)
class PyomoMip:
    """The MIP plus, per column, the ``VarData`` it came from (None for writer-made columns)."""

    data: MipData
    variables: list[Any]
    fixed: Any  # pyomo ComponentMap VarData -> value (VarData are not hashable)

    def solution(self, x: np.ndarray, symbols: SymbolMap | None) -> dict[str, Any]:
        """Column values in the model's names (or ``symbols``' names), fixed variables included."""
        keep = [j for j, var in enumerate(self.variables) if var is not None]
        return solution_values(
            [self.variables[j] for j in keep],
            x[keep],
            self.fixed,
            symbols,
            integer=self.data.integer[keep],
        )


def mip_from_pyomo(model: Any) -> PyomoMip:
    """Write ``model`` to a temporary MPS file with symbolic labels and read it back."""
    import pyomo.environ as pyo
    from pyomo.common.collections import ComponentMap

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.mps"
        try:
            _, symbol_map_id = model.write(
                str(path), format="mps", io_options={"symbolic_solver_labels": True}
            )
        except (ValueError, RuntimeError, TypeError) as exc:
            raise SolverCapabilityError(
                f"the ALNS needs a linear (MILP) model that Pyomo can write as MPS: {exc}"
            ) from exc
        data = read_mip_file(path)
    by_symbol = model.solutions.symbol_map.pop(symbol_map_id).bySymbol
    variables = [by_symbol.get(name) for name in data.col_names]
    fixed = ComponentMap(
        (var, float(var.value))
        for var in model.component_data_objects(pyo.Var, descend_into=True)
        if var.fixed and var.value is not None
    )
    return PyomoMip(data, variables, fixed)
