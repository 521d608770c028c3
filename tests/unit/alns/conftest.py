"""Small MIPs for the ALNS tests: a set cover (pure binary) and a facility location (binary + continuous)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from optmodel.solvers.alns.highs_model import build_highs
from optmodel.solvers.alns.mip_data import MipData

MIPLIB = Path(
    os.environ.get(
        "OPTMODEL_MIPLIB", str(Path(__file__).resolve().parents[4] / "shared" / "miplib")
    )
)


def mip_from_rows(
    cost: np.ndarray,
    rows: list[tuple[list[int], list[float], float, float]],
    *,
    maximize: bool = False,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    name: str = "test",
) -> MipData:
    """Build a MipData from ``(columns, coefficients, lower, upper)`` rows."""
    start = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])]).astype(np.int64)
    return MipData(
        name=name,
        col_names=tuple(f"x{j}" for j in range(len(cost))),
        cost=np.asarray(cost, dtype=float),
        offset=0.0,
        maximize=maximize,
        col_lower=np.asarray(lower, dtype=float),
        col_upper=np.asarray(upper, dtype=float),
        integer=np.asarray(integer, dtype=bool),
        row_lower=np.array([r[2] for r in rows], dtype=float),
        row_upper=np.array([r[3] for r in rows], dtype=float),
        row_start=start,
        row_index=np.array([j for r in rows for j in r[0]], dtype=np.int64),
        row_value=np.array([v for r in rows for v in r[1]], dtype=float),
    )


def set_cover(n_rows: int = 40, n_cols: int = 30, density: float = 0.15, seed: int = 0) -> MipData:
    """min c x, every row covered, x binary."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_rows):
        cols = np.flatnonzero(rng.random(n_cols) < density)
        if cols.size == 0:
            cols = rng.choice(n_cols, size=1)
        rows.append((cols.tolist(), [1.0] * len(cols), 1.0, np.inf))
    return mip_from_rows(
        rng.integers(1, 100, size=n_cols).astype(float),
        rows,
        lower=np.zeros(n_cols),
        upper=np.ones(n_cols),
        integer=np.ones(n_cols, dtype=bool),
        name="set_cover",
    )


def facility(n_customers: int = 8, n_facilities: int = 5, seed: int = 0) -> MipData:
    """Capacitated facility location: y_j binary (columns 0..F-1), x_ij continuous shares."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(5, 35, size=n_customers)
    capacity = rng.integers(40, 120, size=n_facilities)
    fixed = rng.integers(100, 300, size=n_facilities)
    transport = rng.random((n_customers, n_facilities)) * 50
    n_f = n_facilities

    def x(i: int, j: int) -> int:
        return n_f + i * n_f + j

    rows = []
    for i in range(n_customers):
        rows.append(([x(i, j) for j in range(n_f)], [1.0] * n_f, 1.0, 1.0))
    for j in range(n_f):
        cols = [x(i, j) for i in range(n_customers)] + [j]
        rows.append((cols, [*demand.astype(float).tolist(), -float(capacity[j])], -np.inf, 0.0))
    for i in range(n_customers):
        for j in range(n_f):
            rows.append(([x(i, j), j], [1.0, -1.0], -np.inf, 0.0))
    n = n_f + n_customers * n_f
    integer = np.zeros(n, dtype=bool)
    integer[:n_f] = True
    return mip_from_rows(
        np.concatenate([fixed, transport.ravel()]),
        rows,
        lower=np.zeros(n),
        upper=np.ones(n),
        integer=integer,
        name="facility",
    )


def write_mps(data: MipData, path: Path) -> Path:
    """Write ``data`` as an MPS file (through highspy)."""
    highs = build_highs(data)
    lp = highs.getLp()
    lp.col_names_ = list(data.col_names)
    highs.passModel(lp)
    highs.writeModel(str(path))
    return path


@pytest.fixture
def setcover_data() -> MipData:
    return set_cover()


@pytest.fixture
def facility_data() -> MipData:
    return facility()


@pytest.fixture
def gen_ip054() -> Path:
    """A MIPLIB instance HiGHS does not close in seconds (general integers, no binaries)."""
    path = MIPLIB / "gen-ip054.mps"
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path
