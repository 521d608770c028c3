"""Where the time to the first incumbent goes: plain HiGHS against both ALNS modes, fresh processes.

    python -m benchmarks.alns.first_incumbent --instances cauction_transfer,facility_transfer,timtab1 \\
        --seeds 0,1 --out benchmarks/results/alns_v2_round7/first_incumbent.json

Each run is a new process that imports its libraries, starts the clock, then reads the instance
(as ``benchmarks.alns.worker`` does) and solves it for ``--time-limit`` seconds. The ALNS runs twice:
"cold", its host process started inside the clock (a first call with nothing started before), and
"early", the host started and ready before the clock (``start_host_early``, as the benchmark worker
and ``optmodel solve --solver alns`` do). Every phase is seconds from the clock's start: HiGHS's read,
first callback (presolve done) and first incumbent; the ALNS's ``extra["startup"]`` (spawn, the
host's imports, reading and sending the model, building it in HiGHS, the first callback, the first
incumbent found in the host and checked in the caller). Variants alternate so load hits all alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.alns.instances import ROOT, TIERS

VARIANTS = ("highs", "tree_cold", "tree_early", "lns_cold", "lns_early")


def run_highs(path: str, seed: int, time_limit: float) -> dict[str, Any]:
    import highspy

    began = time.perf_counter()
    phases: dict[str, Any] = {}

    def stamp(name: str) -> Any:
        def note(_: Any) -> None:
            phases.setdefault(name, round(time.perf_counter() - began, 4))

        return note

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", seed)
    highs.readModel(path)
    phases["model_read"] = round(time.perf_counter() - began, 4)
    highs.cbMipInterrupt.subscribe(stamp("first_callback"))
    highs.cbMipImprovingSolution.subscribe(stamp("first_incumbent"))
    highs.setOptionValue("time_limit", time_limit - phases["model_read"])
    highs.run()
    return phases


def run_alns(path: str, seed: int, time_limit: float, mode: str, early: bool) -> dict[str, Any]:
    from optmodel.solvers.alns.solve import solve_mps
    from optmodel.solvers.base import SolveOptions

    if early:
        from optmodel.solvers.alns.host_client import start_host_early

        if not start_host_early(wait=60.0):
            raise RuntimeError("the host process did not start")
    began = time.perf_counter()
    result = solve_mps(
        path,
        SolveOptions(time_limit=time_limit, threads=1, seed=seed, solver_options={"mode": mode}),
    )
    found = [p["time"] for p in result.extra["trajectory"] if p["outcome"] == "best"]
    return {
        **result.extra.get("startup", {}),  # absent before round 7 (--src of an older checkout)
        "first_incumbent": found[0] if found else None,
        "wall": round(time.perf_counter() - began, 4),
    }


def run_one(variant: str, path: str, seed: int, time_limit: float) -> dict[str, Any]:
    if variant == "highs":
        return run_highs(path, seed, time_limit)
    mode, start = variant.split("_")
    return run_alns(path, seed, time_limit, mode, start == "early")


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median of every phase per instance and variant."""
    table: dict[str, dict[str, dict[str, list[float]]]] = {}
    for row in rows:
        phases = table.setdefault(row["instance"], {}).setdefault(row["variant"], {})
        for name, value in row["phases"].items():
            if isinstance(value, int | float):
                phases.setdefault(name, []).append(value)
    return {
        instance: {
            variant: {name: round(statistics.median(v), 4) for name, v in phases.items()}
            for variant, phases in variants.items()
        }
        for instance, variants in table.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", default="cauction_transfer,facility_transfer,timtab1")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the optmodel sources the runs import"
    )
    parser.add_argument(
        "--one", nargs=3, metavar=("VARIANT", "PATH", "SEED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.one:
        variant, path, seed = args.one
        print(json.dumps(run_one(variant, path, int(seed), args.time_limit)))
        return 0
    wanted = [name for name in args.instances.split(",") if name]
    instances = [i for i in TIERS["v2"].instances() if any(w in i.name for w in wanted)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(args.src), str(ROOT)])}
    rows: list[dict[str, Any]] = []
    load = {"at_start": os.getloadavg()}
    for instance in instances:
        for seed in [int(s) for s in args.seeds.split(",")]:
            for variant in args.variants.split(","):
                command = [sys.executable, "-m", "benchmarks.alns.first_incumbent", "--one"]
                command += [variant, str(instance.path), str(seed), "--time-limit"]
                done = subprocess.run(
                    [*command, str(args.time_limit)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=ROOT,
                    check=True,
                )
                phases = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append(
                    {"instance": instance.name, "variant": variant, "seed": seed, "phases": phases}
                )
                print(instance.name, variant, seed, phases, flush=True)
    load["at_end"] = os.getloadavg()
    report = {
        "load_average": load,
        "src": str(args.src),
        "medians": summarise(rows),
        "runs": rows,
        "argv": sys.argv,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report["medians"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
