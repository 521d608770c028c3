"""Bandit-guided adaptive large neighbourhood search (ALNS) for MIPs, over HiGHS or CP-SAT sub-MIPs.

``solve_mps(path, options)`` solves a file; :class:`AlnsBackend` is the ``solver="alns"`` backend;
``start_host_early()`` starts the next solve's host process ahead of it.
Importing this package does not import ``alns``, ``mabwiser`` or a solver library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optmodel.solvers.alns.backend import AlnsBackend
    from optmodel.solvers.alns.config import AlnsConfig
    from optmodel.solvers.alns.host_client import start_host_early
    from optmodel.solvers.alns.solve import solve_mps

__all__ = ["AlnsBackend", "AlnsConfig", "solve_mps", "start_host_early"]

_LOCATIONS = {
    "AlnsBackend": "optmodel.solvers.alns.backend",
    "AlnsConfig": "optmodel.solvers.alns.config",
    "solve_mps": "optmodel.solvers.alns.solve",
    "start_host_early": "optmodel.solvers.alns.host_client",
}


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
