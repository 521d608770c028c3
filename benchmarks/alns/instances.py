"""Benchmark tiers: which instances, which methods, how long, how many seeds.

Generated instances are written once to ``benchmarks/out/alns/instances/`` (gitignored) and reused;
MIPLIB instances are read in place from ``/work/shared/miplib`` (override with ``OPTMODEL_MIPLIB``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.alns import generators

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "out" / "alns"
INSTANCE_DIR = OUT / "instances"
MIPLIB_DIR = Path(
    os.environ.get(
        "OPTMODEL_MIPLIB", str(Path(__file__).resolve().parents[3] / "shared" / "miplib")
    )
)

#: Gasse et al.'s "hard" sizes (ANCHORS.md) and their "easy" sizes for quick checks.
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "hard": {
        "setcover": {"n_rows": 2000, "n_cols": 1000, "density": 0.05},
        "cauction": {"n_items": 300, "n_bids": 1500},
        "indset": {"n_nodes": 1500, "affinity": 4},
        "facility": {"n_customers": 200, "n_facilities": 100},
    },
    # The "transfer" sizes (as in Gasse et al. / Balans), where HiGHS does not close the gap.
    "transfer": {
        "setcover": {"n_rows": 1000, "n_cols": 1000, "density": 0.05},
        "cauction": {"n_items": 200, "n_bids": 1000},
        "indset": {"n_nodes": 1500, "affinity": 4},
        "facility": {"n_customers": 100, "n_facilities": 100},
    },
    "easy": {
        "setcover": {"n_rows": 500, "n_cols": 1000, "density": 0.05},
        "cauction": {"n_items": 100, "n_bids": 500},
        "indset": {"n_nodes": 500, "affinity": 4},
        "facility": {"n_customers": 100, "n_facilities": 100},
    },
}


@dataclass(frozen=True)
class Instance:
    """One benchmark instance; ``family`` is a generator family or ``miplib``."""

    name: str
    family: str
    path: Path
    provenance: str

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def generated(family: str, seed: int, size: str = "hard") -> Instance:
    """The generated instance (written on first use)."""
    name = f"{family}_{size}_{seed}"
    path = INSTANCE_DIR / f"{name}.mps"
    params = SIZES[size][family]
    if not path.exists():
        generators.FAMILIES[family](path, seed, **params)
    args = ", ".join(f"{k}={v}" for k, v in params.items())
    return Instance(name, family, path, f"benchmarks.alns.generators.{family}(seed={seed}, {args})")


def miplib(name: str) -> Instance:
    path = MIPLIB_DIR / f"{name}.mps"
    if not path.exists():
        raise FileNotFoundError(f"MIPLIB instance {path} not found (set OPTMODEL_MIPLIB)")
    return Instance(name, "miplib", path, f"MIPLIB 2017 via {MIPLIB_DIR}/README.md")


@dataclass(frozen=True)
class Tier:
    """A benchmark configuration; ``seeds`` per method (deterministic solvers get one)."""

    time_limit: float
    instances: Callable[[], list[Instance]]
    seeds: dict[str, tuple[int, ...]] = field(default_factory=dict)


FAMILIES = ("setcover", "cauction", "indset", "facility")
HARD_MIPLIB = ("50v-10", "b1c1s1", "neos-5140963-mincio", "timtab1")
ALL_MIPLIB = (*HARD_MIPLIB, "pk1", "gen-ip002", "gen-ip021", "gen-ip054", "mad", "markshare_4_0")

TIERS: dict[str, Tier] = {
    # Quick algorithm checks: ~2 minutes on 2 cores.
    "smoke": Tier(
        time_limit=10.0,
        instances=lambda: (
            [generated(f, 0, "easy") for f in FAMILIES] + [miplib("pk1"), miplib("timtab1")]
        ),
        seeds={"highs": (0,), "alns": (0,)},
    ),
    # The tier: 30 s per run, two processes, about 15 minutes.
    "15min": Tier(
        time_limit=30.0,
        instances=lambda: [generated(f, 0) for f in FAMILIES] + [miplib(n) for n in HARD_MIPLIB],
        seeds={"highs": (0,), "alns": (0, 1), "scip": (0,), "balans": (0, 1), "cpsat": (0,)},
    ),
    # ALNS v2 against plain HiGHS, the stand-alone LNS, SCIP and Balans (when installed), sized for
    # ~70 minutes with Balans on a 2-core machine, one run at a time (4184 s in round 8): every MIPLIB
    # instance plus each family at transfer size.
    "v2": Tier(
        time_limit=30.0,
        instances=lambda: (
            [generated(f, 0, "transfer") for f in FAMILIES] + [miplib(n) for n in ALL_MIPLIB]
        ),
        seeds={"highs": (0, 1), "alns": (0, 1), "lns": (0, 1), "scip": (0, 1), "balans": (0, 1)},
    ),
    # The full matrix (run again with --time-limit 30): ~9 hours of single runs at 120 s.
    "v2-full": Tier(
        time_limit=120.0,
        instances=lambda: (
            [
                generated(f, s, size)
                for f in FAMILIES
                for s in (0, 1)
                for size in ("hard", "transfer")
            ]
            + [miplib(n) for n in ALL_MIPLIB]
        ),
        seeds={"highs": (0, 1), "alns": (0, 1), "lns": (0, 1), "scip": (0, 1), "balans": (0, 1)},
    ),
    "full": Tier(
        time_limit=60.0,
        instances=lambda: (
            [generated(f, s) for f in FAMILIES for s in (0, 1)] + [miplib(n) for n in ALL_MIPLIB]
        ),
        seeds={"highs": (0,), "alns": (0, 1, 2), "scip": (0,), "balans": (0, 1, 2), "cpsat": (0,)},
    ),
}
