"""Per-task overhead and throughput of the bench executors, side by side in one run: process pool vs Ray.

Each task is what `bench` sends to an executor: `evaluate_document` on one model (parse, validate,
compile, solve, check), here a hard 0-1 feasibility model stopped by a 1 s time limit, so every solve
takes about a second. For each executor: start-up time (creating it and running a warm-up round), then
`--tasks` tasks with `--workers` in flight. Per-task overhead = wall x workers / tasks - mean solve time
(what each task costs beyond its own solve); throughput = tasks per second.

    PYTHONPATH=src .venv/bin/python benchmarks/executor_overhead.py --tasks 16 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from optmodel.benchmarks.executors import make_executor
from optmodel.llm.formulator import evaluate_document
from optmodel.solvers.base import SolveOptions


def market_split(seed: int, rows: int = 4, cols: int = 40) -> dict[str, Any]:
    rng = random.Random(seed)
    r_names, c_names = [f"r{i}" for i in range(rows)], [f"c{j}" for j in range(cols)]
    a = {r: {c: rng.randint(0, 99) for c in c_names} for r in r_names}
    return {
        "sets": {"ROWS": {"members": r_names}, "COLS": {"members": c_names}},
        "parameters": {
            "a": {"index": ["ROWS", "COLS"], "values": a},
            "b": {"index": ["ROWS"], "values": {r: sum(a[r].values()) // 2 for r in r_names}},
        },
        "variables": {"x": {"index": ["COLS"], "type": "binary"}},
        "objective": {"sense": "minimize", "expression": "sum(x[j] for j in COLS)"},
        "constraints": {
            "split": {
                "expression": "sum(a[i, j] * x[j] for j in COLS) == b[i]",
                "forall": "i in ROWS",
            }
        },
    }


def timed_task(document: dict[str, Any], options: SolveOptions) -> float:
    """One bench task; returns the seconds it took inside the worker."""
    start = time.perf_counter()
    evaluate_document(document, "highs", options)
    return time.perf_counter() - start


def measure(kind: str, tasks: int, workers: int, options: SolveOptions) -> dict[str, Any]:
    started = time.perf_counter()
    executor: Executor = make_executor(kind, workers)
    list(
        executor.map(
            timed_task, [market_split(-1 - n) for n in range(workers)], [options] * workers
        )
    )
    startup = time.perf_counter() - started
    documents = [market_split(n) for n in range(tasks)]
    start = time.perf_counter()
    inside = list(executor.map(timed_task, documents, [options] * tasks))
    wall = time.perf_counter() - start
    executor.shutdown()
    mean_inside = statistics.fmean(inside)
    return {
        "executor": kind,
        "startup_s": round(startup, 3),
        "wall_s": round(wall, 3),
        "mean_task_s": round(mean_inside, 3),
        "overhead_per_task_s": round(wall * workers / tasks - mean_inside, 4),
        "throughput_per_s": round(tasks / wall, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executors", nargs="+", default=["process", "ray"])
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "executor_overhead.json"
    )
    args = parser.parse_args()
    options = SolveOptions(time_limit=1.0, threads=1)
    rows = [measure(kind, args.tasks, args.workers, options) for kind in args.executors]
    base = rows[0]["throughput_per_s"]
    for row in rows:
        row["throughput_vs_first"] = round(row["throughput_per_s"] / base, 3)
        print(json.dumps(row))
    load = os.getloadavg()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    figures = {"tasks": args.tasks, "workers": args.workers, "loadavg": load, "rows": rows}
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
