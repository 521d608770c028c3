"""Run a benchmark tier: every method on every instance, at most ``--jobs`` runs at a time.

    python -m benchmarks.alns.run --tier 15min          # 30 s per run, 2 processes, ~15 minutes
    python -m benchmarks.alns.run --tier smoke --methods highs,alns
    python -m benchmarks.alns.run --tier smoke --executor ray:127.0.0.1:6379   # on a Ray cluster
    python -m benchmarks.alns.run --report-only benchmarks/out/alns/<timestamp>

Each run is a fresh ``benchmarks.alns.worker`` subprocess (one thread, reading inside the clock), started
wherever ``--executor`` puts it: ``thread`` (default: this machine, each run is its own process already),
``process``, ``ray`` (a private local Ray) or ``ray:ADDRESS`` (a cluster; every node needs this
checkout at the same path). A run gets the instance's bytes and sends its files back, so no shared
file system is needed. Balans is killed at its deadline; the others get a generous safety margin.
Results, a Markdown report and PNG plots go to ``benchmarks/out/alns/<timestamp>/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from benchmarks.alns.instances import OUT, ROOT, TIERS, Instance
from benchmarks.alns.mps_check import read_mps

from optmodel.atomic_files import write_atomically
from optmodel.benchmarks.executors import EXECUTOR_KINDS, make_executor

#: Non-Balans runs are only killed if they exceed their limit by this much (a safety net, not a rule).
SAFETY_MARGIN = 60.0
METHOD_ORDER = ("highs", "alns", "lns", "scip", "balans", "cpsat")


@dataclass(frozen=True)
class Job:
    instance: Instance
    method: str
    seed: int
    time_limit: float
    options: str = "{}"

    @property
    def stem(self) -> str:
        return f"{self.instance.name}__{self.method}__{self.seed}"


def run_job(job: Job, instance_bytes: bytes) -> dict[str, str]:
    """Run one job in a subprocess, wherever this is called; returns the files it wrote (name -> text).

    The result JSON may be missing (a crash); the ``.meta.json`` and ``.log`` files are always there.
    """
    with tempfile.TemporaryDirectory(prefix="optmodel-alns-run-") as tmp:
        runs = Path(tmp)
        instance = runs / "instance" / job.instance.path.name
        instance.parent.mkdir()
        instance.write_bytes(instance_bytes)
        out = runs / f"{job.stem}.json"
        returncode, killed = _run_worker(job, instance, out, runs / f"{job.stem}.log")
        meta = {
            "returncode": returncode,
            "killed_at_deadline": killed,
            "method": job.method,
            "seed": job.seed,
            "instance": job.instance.name,
            "family": job.instance.family,
            "path": str(job.instance.path),
            "time_limit": job.time_limit,
        }
        (runs / f"{job.stem}.meta.json").write_text(json.dumps(meta))
        return {p.name: p.read_text() for p in runs.iterdir() if p.is_file()}


def _run_worker(job: Job, instance: Path, out: Path, log_path: Path) -> tuple[int, bool]:
    """The worker's return code, and whether it was killed at its deadline."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.alns.worker",
        job.method,
        str(instance),
        str(job.time_limit),
        str(job.seed),
        str(out),
        "--options",
        job.options,
    ]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        launched = time.time()
        trajectory = out.with_suffix(".trajectory.jsonl")
        killed = False
        while proc.poll() is None:
            time.sleep(0.05)
            deadline = launched + job.time_limit + SAFETY_MARGIN
            if job.method == "balans" and trajectory.exists():
                first = trajectory.read_text().split("\n", 1)[0]
                if first.startswith("{"):
                    deadline = json.loads(first)["start_wall"] + job.time_limit
            if time.time() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)  # only the group this function started
                proc.wait()
                killed = True
    return proc.returncode, killed


def run_all(executor: Executor, jobs: list[Job], out_dir: Path, in_flight: int) -> Iterator[Job]:
    """Run ``jobs`` on ``executor``, at most ``in_flight`` at once; yields each job as its files land.

    Submitting only as runs finish bounds the instance bytes held in memory under every executor.
    """
    runs = out_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    queue = iter(jobs)
    pending: dict[Future[dict[str, str]], Job] = {}

    def submit_next() -> None:
        job = next(queue, None)
        if job is not None:
            pending[executor.submit(run_job, job, job.instance.path.read_bytes())] = job

    for _ in range(in_flight):
        submit_next()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            for name, text in future.result().items():
                write_atomically(runs / name, text)
            submit_next()
            yield job


def applicable(method: str, instance: Instance) -> bool:
    """CP-SAT only runs on pure-integer models with finite bounds (it would discretise the rest)."""
    if method != "cpsat":
        return True
    model = read_mps(instance.path)
    return bool(
        model.integer.all()
        and np.isfinite(model.col_lower).all()
        and np.isfinite(model.col_upper).all()
    )


def build_jobs(
    tier: str,
    methods: list[str],
    instance_filter: list[str] | None,
    time_limit: float | None,
    options: str,
    seeds: list[int] | None = None,
) -> list[Job]:
    """The tier's runs, narrowed to ``instance_filter`` and ``seeds`` when given."""
    spec = TIERS[tier]
    limit = time_limit or spec.time_limit
    jobs: list[Job] = []
    for instance in spec.instances():
        if instance_filter and not any(f in instance.name for f in instance_filter):
            continue
        # Seed by seed, every method in turn: load that drifts during a run hits all alike.
        chosen = [m for m in methods if m in spec.seeds and applicable(m, instance)]
        for seed in sorted({s for m in chosen for s in spec.seeds[m]}):
            if seeds and seed not in seeds:
                continue
            jobs.extend(
                Job(instance, method, seed, limit, options if "alns" in method else "{}")
                for method in chosen
                if seed in spec.seeds[method]
            )
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tier", default="15min", choices=sorted(TIERS))
    parser.add_argument("--methods", default=",".join(METHOD_ORDER))
    parser.add_argument(
        "--instances", default="", help="comma-separated substrings of instance names"
    )
    parser.add_argument("--time-limit", type=float, default=None, help="override the tier's limit")
    parser.add_argument(
        "--seeds", default="", help="comma-separated seeds to keep of the tier's (default: all)"
    )
    parser.add_argument("--alns-options", default="{}", help="JSON solver_options for the ALNS")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (2 cores: 2)")
    parser.add_argument(
        "--executor",
        default="thread",
        help=f"where runs start: {EXECUTOR_KINDS} (as optmodel bench; default thread)",
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--report-only", type=Path, default=None, help="re-analyse an existing run directory"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    from benchmarks.alns.report import write_report

    if args.report_only:
        print(write_report(args.report_only))
        return 0
    try:
        executor = make_executor(args.executor, args.jobs)  # Ray says here which Ray it uses
    except ValueError as error:
        parser.error(str(error))
    methods = [m for m in args.methods.split(",") if m]
    if "balans" in methods and importlib.util.find_spec("balans") is None:
        # An optional comparison, never a requirement: Balans 2.2 brings gurobipy, and it runs its
        # sub-MIPs with SCIP (or Gurobi), not HiGHS.
        print("Balans is not installed (pip install balans): its runs are skipped", flush=True)
        methods.remove("balans")
    jobs = build_jobs(
        args.tier,
        methods,
        [f for f in args.instances.split(",") if f],
        args.time_limit,
        args.alns_options,
        [int(s) for s in args.seeds.split(",") if s],
    )
    out_dir = args.out or OUT / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(
        json.dumps(
            {
                "tier": args.tier,
                "methods": methods,
                "time_limit": jobs[0].time_limit if jobs else None,
                "jobs": args.jobs,
                "executor": args.executor,
                "alns_options": json.loads(args.alns_options),
                "argv": sys.argv,
                "cpu_count": os.cpu_count(),
                "load_average_at_start": os.getloadavg(),
            },
            indent=2,
        )
    )
    started = time.time()
    print(f"{len(jobs)} runs, {args.jobs} at a time -> {out_dir}", flush=True)
    with executor:
        for n, job in enumerate(run_all(executor, jobs, out_dir, args.jobs), start=1):
            print(f"  {n}/{len(jobs)} done: {job.stem} ({time.time() - started:.0f} s)", flush=True)
    (out_dir / "config.json").write_text(
        json.dumps(
            {
                **json.loads((out_dir / "config.json").read_text()),
                "wall_seconds": round(time.time() - started, 1),
                "load_average_at_end": os.getloadavg(),
            },
            indent=2,
        )
    )
    print(write_report(out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
