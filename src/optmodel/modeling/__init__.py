"""optmodel.modeling: the Formulation IR, its data, its compilation to Pyomo and solution checking.

Organised by stage, each reading only the stages below it (an import-linter contract):
``language`` (the Formulation, expressions, loading, issues) -> ``elaborate`` (resolved data, instances,
logic, piecewise) -> ``checks`` (``validate``) -> ``pyomo`` | ``render`` | ``solution_check`` -> ``matrix``
(the fast path) | ``solution_report``. ``compile`` is
:func:`~optmodel.modeling.pyomo.compile.compile_formulation` under its short public name.
"""

from __future__ import annotations

from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import ModelData
from optmodel.modeling.language.ir import (
    ConstraintDef,
    Formulation,
    ObjectiveDef,
    ParamDef,
    SetDef,
    VarDef,
)
from optmodel.modeling.language.issues import Issue, IssueCode, Severity
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.pyomo.compile import CompiledModel, compile_formulation
from optmodel.modeling.solution_check import (
    BoundViolation,
    CheckReport,
    IntegralityViolation,
    Violation,
    check_solution,
)

compile = compile_formulation  # the public name; no code in this package uses the builtin

__all__ = [
    "BoundViolation",
    "CheckReport",
    "CompiledModel",
    "ConstraintDef",
    "Formulation",
    "IntegralityViolation",
    "Issue",
    "IssueCode",
    "ModelData",
    "ObjectiveDef",
    "ParamDef",
    "SetDef",
    "Severity",
    "VarDef",
    "Violation",
    "check_solution",
    "compile",
    "compile_formulation",
    "load_formulation",
    "resolve_data",
]
