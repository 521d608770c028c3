"""optmodel: plain-language optimization problems to validated, solved models on open solvers.

>>> import optmodel
>>> answer = optmodel.solve({
...     "variables": {"x": {"type": "integer"}, "y": {}},
...     "objective": {"sense": "maximize", "expression": "x + 2*y"},
...     "constraints": {"c1": {"expression": "x + y <= 4"}, "c2": {"expression": "y <= 1.5"}},
... })
>>> answer.status, answer.objective
('optimal', 5.5)

Heavy modules (Pyomo, solvers, LLM libraries) are imported on first use, so ``import optmodel`` is cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "solve": "optmodel.pipeline",
    "formulate": "optmodel.pipeline",
    "Answer": "optmodel.pipeline",
    "Formulation": "optmodel.modeling.language.ir",
    "load_formulation": "optmodel.modeling.language.load",
    "validate": "optmodel.modeling.checks.validate",
    "compile_formulation": "optmodel.modeling.pyomo.compile",
    "CompiledModel": "optmodel.modeling.pyomo.compile",
    "check_solution": "optmodel.modeling.solution_check",
    "Issue": "optmodel.modeling.language.issues",
    "SolveOptions": "optmodel.solvers.base",
    "SolveResult": "optmodel.solvers.base",
    "Sensitivity": "optmodel.solvers.base",
    "SolutionStatus": "optmodel.solvers.base",
    "TerminationCondition": "optmodel.solvers.base",
    "Formulator": "optmodel.llm.formulator",
    "FormulatorConfig": "optmodel.llm.formulator",
    "FormulationResult": "optmodel.llm.formulator",
}

__all__ = [
    "Answer",
    "CompiledModel",
    "Formulation",
    "FormulationResult",
    "Formulator",
    "FormulatorConfig",
    "Issue",
    "Sensitivity",
    "SolutionStatus",
    "SolveOptions",
    "SolveResult",
    "TerminationCondition",
    "__version__",
    "check_solution",
    "compile_formulation",
    "formulate",
    "load_formulation",
    "solve",
    "validate",
]

if TYPE_CHECKING:
    from optmodel.llm.formulator import FormulationResult, Formulator, FormulatorConfig
    from optmodel.modeling.checks.validate import validate
    from optmodel.modeling.language.ir import Formulation
    from optmodel.modeling.language.issues import Issue
    from optmodel.modeling.language.load import load_formulation
    from optmodel.modeling.pyomo.compile import CompiledModel, compile_formulation
    from optmodel.modeling.solution_check import check_solution
    from optmodel.pipeline import Answer, formulate, solve
    from optmodel.solvers.base import (
        Sensitivity,
        SolutionStatus,
        SolveOptions,
        SolveResult,
        TerminationCondition,
    )


def __dir__() -> list[str]:
    # The public names load lazily, so they are not globals yet; list them anyway.
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'optmodel' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
