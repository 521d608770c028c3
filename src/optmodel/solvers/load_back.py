"""A result's values written back into the Pyomo model that was solved, as Pyomo's own solvers do.

After ``solve_model(m)`` (or ``optmodel.solve(m)``), ``pyo.value(m.x)`` is the solution, and a model that
declares ``Suffix(direction=Suffix.IMPORT)`` components named ``dual`` / ``rc`` gets the duals and
reduced costs of an LP too (Pyomo's convention).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyomo.environ as pyo

from optmodel.solvers.base import entry_at
from optmodel.standard_form.labels import constraint_symbol, variable_symbol

if TYPE_CHECKING:
    from optmodel.solvers.base import SolveResult
    from optmodel.symbols import SymbolMap


def load_into_model(model: pyo.Block, result: SolveResult, symbols: SymbolMap | None) -> None:
    """Set every unfixed variable that ``result`` has a value for; fill import suffixes ``dual``/``rc``."""
    if not result.has_solution:
        return
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.fixed:
            continue
        value = _value(result.solution, variable_symbol(var, symbols))
        if value is not None:
            var.set_value(value, skip_validation=True)
    sens = result.sensitivity
    if sens is None:
        return
    duals, costs = _import_suffix(model, "dual"), _import_suffix(model, "rc")
    if duals is not None:
        for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
            value = _value(sens.duals, constraint_symbol(con, symbols))
            if value is not None:
                duals[con] = value
    if costs is not None:
        for var in model.component_data_objects(pyo.Var, descend_into=True):
            value = _value(sens.reduced_costs, variable_symbol(var, symbols))
            if value is not None:
                costs[var] = value


def _value(values: Any, symbol: tuple[str, Any] | None) -> float | None:
    if symbol is None:
        return None
    value = entry_at(values, *symbol)
    return None if value is None else float(value)


def _import_suffix(model: pyo.Block, name: str) -> pyo.Suffix | None:
    suffix = model.component(name)
    if isinstance(suffix, pyo.Suffix) and suffix.import_enabled():
        return suffix
    return None
