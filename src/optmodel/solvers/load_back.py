"""A result's values written back into the Pyomo model that was solved, as Pyomo's own solvers do.

After ``solve_model(m)`` (or ``optmodel.solve(m)``), ``pyo.value(m.x)`` is the solution, and a model that
declares ``Suffix(direction=Suffix.IMPORT)`` components named ``dual`` / ``rc`` gets the duals and
reduced costs of an LP too (Pyomo's convention).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyomo.environ as pyo

from optmodel.solvers.base import entry_at
from optmodel.standard_form.labels import constraint_symbol

if TYPE_CHECKING:
    from optmodel.solvers.base import SolveResult
    from optmodel.symbols import Symbol, SymbolMap


def load_into_model(model: pyo.Block, result: SolveResult, symbols: SymbolMap | None) -> None:
    """Set every unfixed variable that ``result`` has a value for; fill import suffixes ``dual``/``rc``."""
    if not result.has_solution:
        return
    for var, symbol in _variables(model, symbols):
        if not var.fixed:
            value = _value(result.solution, symbol)
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
        for var, symbol in _variables(model, symbols):
            value = _value(sens.reduced_costs, symbol)
            if value is not None:
                costs[var] = value


def _variables(model: pyo.Block, symbols: SymbolMap | None) -> Iterator[tuple[Any, Symbol]]:
    """(VarData, symbol) pairs, walked per component: asking each VarData for its name is slow."""
    if symbols is not None:
        yield from symbols.variables.items()
        return
    for component in model.component_objects(pyo.Var, descend_into=True):
        name = component.name
        for key, var in component.items():
            yield var, (name, key)


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
