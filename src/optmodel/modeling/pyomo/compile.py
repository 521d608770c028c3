"""Compiling a Formulation into a Pyomo ``ConcreteModel`` plus a symbol map back to the Formulation's names.

>>> from optmodel.modeling.language.ir import Formulation
>>> f = Formulation.model_validate({
...     "sets": {"I": ["a", "b"]}, "parameters": {"cap": 4},
...     "variables": {"x": {"index": ["I"], "ub": "cap"}},
...     "objective": {"sense": "max", "expression": "sum(x[i] for i in I)"},
...     "constraints": {"total": {"expression": "x['a'] + 2 * x['b'] <= 6"}}})
>>> compiled = compile_formulation(f)
>>> sorted(symbol for symbol in compiled.symbols.variables.values())
[('x', 'a'), ('x', 'b')]
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from optmodel.errors import FormulationError
from optmodel.modeling.checks.size_estimate import size_issues
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import ModelData
from optmodel.modeling.elaborate.instances import check_distinct_names
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.pyomo.builder import BuiltModel, Goal, ModelBuilder
from optmodel.symbols import SymbolMap


@dataclass(frozen=True)
class CompiledModel:
    """A Pyomo model compiled from a Formulation, with the way back to the Formulation's names.

    ``symbols`` maps every user variable's ``VarData`` and every constraint row's ``ConstraintData`` to
    ``(name, key)``; auxiliary components (``_aux_*``, from abs/min/max) are deliberately left out.
    The Pyomo model of :meth:`on_demand` is built on first use (a model solved by the matrix fast path
    never needs it).
    """

    formulation: Formulation
    data: ModelData
    built: BuiltModel | None = field(default=None, repr=False, compare=False)

    @classmethod
    def on_demand(cls, formulation: Formulation, data: ModelData) -> CompiledModel:
        """A compiled model whose Pyomo model is built when first asked for (may raise CompileError then)."""
        return cls(formulation, data)

    @functools.cached_property
    def _parts(self) -> BuiltModel:
        if self.built is not None:
            return self.built
        check_distinct_names(self.formulation)
        return ModelBuilder(self.formulation, self.data).build()

    @property
    def model(self) -> pyo.ConcreteModel:
        return self._parts.model

    @property
    def symbols(self) -> SymbolMap:
        return self._parts.symbols

    @property
    def variable_components(self) -> Mapping[str, str]:
        """Formulation variable name -> Pyomo component name (they differ when a name is unsafe for Pyomo)."""
        return self._parts.variable_components

    @property
    def expression_components(self) -> Mapping[str, str]:
        """Named expression -> the name of its Pyomo ``Expression`` component."""
        return self._parts.expression_components

    @property
    def goals(self) -> tuple[Goal, ...]:
        """The objective and the further goals, in priority order (only the first is active)."""
        return self._parts.goals

    def var(self, name: str) -> Any:
        """The Pyomo ``Var`` component of Formulation variable ``name``."""
        return self.model.component(self.variable_components[name])

    def solution_from_model(self) -> dict[str, float | dict[Hashable, float]]:
        """Current variable values in the Formulation's names (``{"x": {key: value}, "z": value}``).

        Variables without a value (not loaded by a solver) are left out.
        """
        solution: dict[str, Any] = {}
        for vardata, (name, key) in self.symbols.variables.items():
            value = vardata.value
            if value is None:
                continue
            if key is None:  # only scalar variables have no key
                solution[name] = float(value)
            else:
                solution.setdefault(name, {})[key] = float(value)
        return solution

    def expression_values(self) -> dict[str, float | dict[Hashable, float]]:
        """Named expressions at the current variable values (left out where a value is missing)."""
        values: dict[str, Any] = {}
        for name, expression in self.data.expressions.items():
            component = self.model.component(self.expression_components[name])
            for key, entry in component.items() if expression.indexed else [(None, component)]:
                value = pyo.value(entry, exception=False)
                if value is None:
                    continue
                if key is None:
                    values[name] = float(value)
                else:
                    values.setdefault(name, {})[key] = float(value)
        return values

    def objective_value(self) -> float | None:
        """The objective at the current variable values, or None when some value is missing."""
        objective = next(self.model.component_data_objects(pyo.Objective), None)
        if objective is None:
            return None
        value = pyo.value(objective, exception=False)
        return None if value is None else float(value)


def compile_formulation(formulation: Formulation, data: ModelData | None = None) -> CompiledModel:
    """Build the Pyomo model of ``formulation``.

    ``data`` defaults to ``resolve_data(formulation)``; data errors raise ``FormulationError`` with every
    issue. Anything that cannot be compiled raises ``CompileError`` with the path of the offending field
    (``constraints.cap.expression``) and a hint; never a raw Pyomo or Python exception.
    """
    too_large = size_issues(formulation)
    if too_large:
        raise FormulationError(too_large)
    if data is None:
        data, issues = resolve_data(formulation)
        errors = errors_only(issues)
        if errors:
            raise FormulationError(errors)
    check_distinct_names(formulation)
    return CompiledModel(formulation, data, ModelBuilder(formulation, data).build())
