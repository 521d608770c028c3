"""Solver backends behind one contract: a Pyomo model in, a :class:`SolveResult` out.

``solve_model(model, solver="auto")`` classifies the model and routes it (HiGHS for LP/MILP/convex QP,
SCIP for the rest); ``available_solvers()`` lists what is installed. Importing this package imports no
solver library (and not Pyomo): the registry is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optmodel.solvers.base import (
    SolutionStatus,
    SolveOptions,
    SolverBackend,
    SolveResult,
    TerminationCondition,
)

if TYPE_CHECKING:
    from optmodel.solvers.classify import Classification, ProblemClass, classify
    from optmodel.solvers.registry import (
        available_solvers,
        get_backend,
        register_backend,
        solve_model,
    )

_LAZY = {
    "solve_model": "optmodel.solvers.registry",
    "available_solvers": "optmodel.solvers.registry",
    "get_backend": "optmodel.solvers.registry",
    "register_backend": "optmodel.solvers.registry",
    "classify": "optmodel.solvers.classify",
    "Classification": "optmodel.solvers.classify",
    "ProblemClass": "optmodel.solvers.classify",
}

__all__ = [
    "Classification",
    "ProblemClass",
    "SolutionStatus",
    "SolveOptions",
    "SolveResult",
    "SolverBackend",
    "TerminationCondition",
    "available_solvers",
    "classify",
    "get_backend",
    "register_backend",
    "solve_model",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'optmodel.solvers' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
