"""Every registered backend, as a pytest parameter with its own id; uninstalled ones are skipped."""

from __future__ import annotations

import pytest

from optmodel.solvers.registry import get_backend

CONTRACT_BACKENDS = ("highs", "scip", "cpsat", "glop", "pdlp", "ortools-scip")


def _installed(name: str) -> bool:
    return get_backend(name).available()


BACKEND_PARAMS = [
    pytest.param(
        name,
        id=name,
        marks=pytest.mark.skipif(not _installed(name), reason=f"{name} not installed"),
    )
    for name in CONTRACT_BACKENDS
]


@pytest.fixture(params=BACKEND_PARAMS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """The name of one installed backend (the contract suite runs once per backend)."""
    return str(request.param)
