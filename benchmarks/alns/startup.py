"""Start-up cost of ``optmodel solve FILE --solver alns`` against ``--solver highs``, fresh processes.

    python -m benchmarks.alns.startup --runs 7 --out benchmarks/results/alns_startup.json

Each run is a new process solving a three-variable integer program (solved at the root, so the time is
start-up: imports, reading, in tree mode a worker process if one starts). Runs alternate between HiGHS,
the ALNS's default mode and its tree mode so machine load hits all alike; the median differences are
the figures (goal: ≤ 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = """Maximize
 obj: 3 x + 2 y + 4 z
Subject To
 room: x + y + z <= 7
Bounds
 0 <= x <= 4
 0 <= y <= 10
 0 <= z <= 2
General
 x y z
End
"""
#: What is timed: the command-line arguments after ``optmodel solve FILE``.
SOLVERS = {
    "highs": ["--solver", "highs"],
    "alns": ["--solver", "alns"],
    "alns_tree": ["--solver", "alns", "--option", "mode=tree"],
}


def time_once(solver: str, path: Path) -> float:
    command = [sys.executable, "-m", "optmodel", "solve", str(path), *SOLVERS[solver]]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0 or "22" not in done.stdout:
        raise RuntimeError(f"{solver} failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny.lp"
        path.write_text(PROGRAM)
        time_once("highs", path)  # warm the file cache for both
        times: dict[str, list[float]] = {s: [] for s in SOLVERS}
        load_before = os.getloadavg()
        for _ in range(args.runs):
            for solver in SOLVERS:
                times[solver].append(round(time_once(solver, path), 3))
    medians = {s: statistics.median(v) for s, v in times.items()}
    result = {
        "command": " ".join([sys.executable, "-m", "benchmarks.alns.startup", *sys.argv[1:]]),
        "seconds": times,
        "median": medians,
        "median_difference_alns_minus_highs": round(medians["alns"] - medians["highs"], 3),
        "median_difference_alns_tree_minus_highs": round(
            medians["alns_tree"] - medians["highs"], 3
        ),
        "goal": "alns - highs <= 0.5 s",
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
