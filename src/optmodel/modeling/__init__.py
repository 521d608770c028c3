"""optmodel.modeling: the Formulation IR, its data, its compilation to Pyomo and solution checking.

``compile`` is :func:`~optmodel.modeling.compile.compile_formulation` under its short public name. It
rebinds the package attribute that would otherwise be the ``compile`` submodule, so import the module's
contents with ``from optmodel.modeling.compile import ...``.
"""

from __future__ import annotations

from optmodel.modeling.check import (
    BoundViolation,
    CheckReport,
    IntegralityViolation,
    Violation,
    check_solution,
)
from optmodel.modeling.compile import CompiledModel, compile_formulation
from optmodel.modeling.data import resolve_data
from optmodel.modeling.evaluate import ModelData
from optmodel.modeling.ir import (
    ConstraintDef,
    Formulation,
    ObjectiveDef,
    ParamDef,
    SetDef,
    VarDef,
)
from optmodel.modeling.issues import Issue, IssueCode, Severity
from optmodel.modeling.load import load_formulation

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
