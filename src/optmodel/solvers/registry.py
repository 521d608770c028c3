"""Backends by name, looked up lazily, and ``solve_model``: classify, route, refuse what would be wrong.

Importing this module imports no solver library; a backend's module is imported when it is first asked
for. Other packages add backends with :func:`register_backend` (a factory, or a ``"module:attr"`` string
so that registering stays free).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from optmodel.errors import (
    OptmodelError,
    SolverCapabilityError,
    SolverError,
    SolverUnavailableError,
)
from optmodel.solvers.base import SolveOptions, SolverBackend, SolveResult
from optmodel.solvers.classify import Classification, ProblemClass, classify_form
from optmodel.solvers.load_back import load_into_model
from optmodel.solvers.pyomo_factory import PREFIX as PYOMO_PREFIX
from optmodel.solvers.pyomo_factory import PyomoSolverBackend
from optmodel.standard_form import StandardForm, extract

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from optmodel.symbols import SymbolMap

BackendFactory = Callable[[], SolverBackend]

_factories: dict[str, str | BackendFactory] = {
    "highs": "optmodel.solvers.highs:HighsBackend",
    "scip": "optmodel.solvers.scip:ScipBackend",
    "cpsat": "optmodel.solvers.cpsat:CpSatBackend",
    "glop": "optmodel.solvers.ortools:glop",
    "pdlp": "optmodel.solvers.ortools:pdlp",
    "ortools-scip": "optmodel.solvers.ortools:ortools_scip",
    "ortools": "optmodel.solvers.ortools:ortools_default",
    "alns": "optmodel.solvers.alns.backend:AlnsBackend",
}

_LINEAR = (ProblemClass.LP, ProblemClass.MILP)


def register_backend(name: str, factory: str | BackendFactory) -> None:
    """Make ``name`` resolvable: ``factory`` builds the backend, or is ``"package.module:attribute"``
    naming such a factory (imported only when the backend is first requested)."""
    if not name or name == "auto":
        raise ValueError(f"invalid backend name {name!r}")
    _factories[name] = factory


def known_solvers() -> list[str]:
    """Every registered name, installed or not."""
    return sorted(_factories)


def available_solvers() -> list[str]:
    """Registered backends whose library is installed and loads (imports each one to check)."""
    names = []
    for name in sorted(_factories):
        try:
            backend = get_backend(name)
        except OptmodelError:
            continue
        if backend.available():
            names.append(name)
    return names


def get_backend(name: str) -> SolverBackend:
    """The backend registered as ``name``; :class:`SolverUnavailableError` if unknown or not loadable."""
    if name.startswith(PYOMO_PREFIX):  # any solver Pyomo's SolverFactory knows
        return PyomoSolverBackend(name[len(PYOMO_PREFIX) :])
    factory = _factories.get(name)
    if factory is None:
        raise SolverUnavailableError(
            f"unknown solver {name!r}; known solvers: {', '.join(known_solvers())} (or 'auto'), "
            "or any solver Pyomo knows as pyomo:NAME (pyomo:cbc, pyomo:glpk, pyomo:gurobi, ...)"
        )
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except ImportError as exc:
            raise SolverUnavailableError(f"solver {name!r} could not be loaded: {exc}") from exc
        except AttributeError as exc:
            raise SolverUnavailableError(
                f"solver {name!r} is registered as {factory!r}, which does not exist"
            ) from exc
    return factory()


def choose_backend(classification: Classification) -> SolverBackend:
    """The backend ``solver="auto"`` uses: HiGHS for LP, MILP and convex QP; SCIP for everything else."""
    problem_class = classification.problem_class
    if problem_class in _LINEAR or (problem_class is ProblemClass.QP and classification.convex):
        return get_backend("highs")
    scip = get_backend("scip")
    if not scip.available():
        convexity = " (nonconvex)" if classification.convex is False else ""
        raise SolverUnavailableError(
            f"this {problem_class.value.upper()} model{convexity} needs SCIP; "
            "install it with: pip install 'optmodel[scip]'"
        )
    return scip


def check_capability(backend: SolverBackend, classification: Classification) -> None:
    """Raise :class:`SolverCapabilityError` when ``backend`` would not solve this class correctly."""
    problem_class = classification.problem_class
    if not backend.supports(problem_class):
        able = [n for n in known_solvers() if _supports_by_name(n, problem_class)]
        raise SolverCapabilityError(
            f"solver {backend.name!r} cannot solve {problem_class.value.upper()} models"
            + (f"; solvers that can: {', '.join(able)}" if able else "")
        )
    needs_convex: frozenset[ProblemClass] = getattr(backend, "needs_convex", frozenset())
    if problem_class in needs_convex and classification.convex is not True:
        raise SolverCapabilityError(
            f"solver {backend.name!r} solves only convex {problem_class.value.upper()} models and this one "
            f"is {'nonconvex' if classification.convex is False else 'not provably convex'}; use solver='scip'"
        )


def solve_model(
    model: pyo.ConcreteModel,
    solver: str = "auto",
    options: SolveOptions | None = None,
    symbols: SymbolMap | None = None,
    *,
    load_solution: bool = True,
) -> SolveResult:
    """Classify ``model``, pick the backend (``"auto"`` or a name), and solve.

    Infeasible, unbounded and time-limited solves come back as results. Raises
    :class:`SolverCapabilityError` when the named solver cannot handle the model's class and
    :class:`SolverUnavailableError` when the solver is missing. ``result.extra["problem_class"]`` records
    the class. The solution is loaded into ``model`` (``pyo.value(model.x)``), as Pyomo's solvers do, unless
    ``load_solution`` is False (callers that read only the result skip that walk over the model).
    """
    options = options or SolveOptions()
    form = extract(model)
    backend, classification = _route(form, solver)
    if getattr(backend, "solve_form", None) is not None:
        result = _solve_form(backend, classification, form, options, symbols)
    else:
        result = _solved(backend, classification, lambda: backend.solve(model, options, symbols))
    if load_solution:
        load_into_model(model, result, symbols)
    return result


def solve_standard_form(
    form: StandardForm,
    solver: str = "auto",
    options: SolveOptions | None = None,
    symbols: SymbolMap | None = None,
) -> SolveResult:
    """:func:`solve_model` for a model given as its standard form (the matrix fast path).

    Raises :class:`SolverCapabilityError` when the chosen backend needs a Pyomo model (see
    :func:`takes_standard_form`).
    """
    backend, classification = _route(form, solver)
    if getattr(backend, "solve_form", None) is None:
        raise SolverCapabilityError(f"solver {backend.name!r} needs a Pyomo model")
    return _solve_form(backend, classification, form, options or SolveOptions(), symbols)


def takes_standard_form(solver: str) -> bool:
    """Whether ``solver`` (or what ``"auto"`` picks for LP/MILP) can solve a standard form directly."""
    if solver == "auto":
        return True
    if solver.startswith(PYOMO_PREFIX):
        return False
    try:
        backend = get_backend(solver)
    except OptmodelError:
        return False
    return getattr(backend, "solve_form", None) is not None


def _route(form: StandardForm, solver: str) -> tuple[SolverBackend, Classification]:
    classification = classify_form(form)
    backend = choose_backend(classification) if solver == "auto" else get_backend(solver)
    if not backend.available():
        raise SolverUnavailableError(
            getattr(backend, "install_hint", "")
            or f"solver {backend.name!r} is registered but its library is not installed"
        )
    check_capability(backend, classification)
    return backend, classification


def _solve_form(
    backend: SolverBackend,
    classification: Classification,
    form: StandardForm,
    options: SolveOptions,
    symbols: SymbolMap | None,
) -> SolveResult:
    solve_form = backend.solve_form  # type: ignore[attr-defined]
    return _solved(backend, classification, lambda: solve_form(form, options, symbols))


def _solved(
    backend: SolverBackend, classification: Classification, solve: Callable[[], SolveResult]
) -> SolveResult:
    try:
        result = solve()
    except OptmodelError:
        raise
    except Exception as exc:  # a library crash becomes one clear error, chained for debugging
        raise SolverError(f"solver {backend.name!r} failed: {type(exc).__name__}: {exc}") from exc
    return replace(
        result, extra={**result.extra, "problem_class": classification.problem_class.value}
    )


def _supports_by_name(name: str, problem_class: ProblemClass) -> bool:
    try:
        backend = get_backend(name)
        return backend.available() and backend.supports(problem_class)
    except OptmodelError:
        return False
