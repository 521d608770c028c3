"""The shared shape of backends that solve the extracted standard form of a Pyomo model."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from optmodel.standard_form import StandardForm, extract

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optmodel.solvers.base import SolveOptions, SolveResult
    from optmodel.symbols import SymbolMap


class StandardFormBackend:
    """``solve`` walks the Pyomo model once into a :class:`StandardForm` and hands it to ``solve_form``.

    The registry calls ``solve_form`` directly with the form it already extracted to classify the model.
    """

    #: The module whose import tells whether the backend can run here.
    requires: str = ""

    def available(self) -> bool:
        try:
            import_module(self.requires)
        except ImportError:
            return False
        return True

    def solve(
        self, model: pyo.ConcreteModel, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        """Solve ``model``; values and conflicts come back in ``symbols``' names when given."""
        return self.solve_form(extract(model), options, symbols)

    def solve_form(
        self, form: StandardForm, options: SolveOptions, symbols: SymbolMap | None = None
    ) -> SolveResult:
        raise NotImplementedError
