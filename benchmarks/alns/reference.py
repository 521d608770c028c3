"""Reference objective values z* with provenance, kept in ``reference_values.json`` next to this file.

MIPLIB instances use the best known values from ``/work/shared/miplib/README.md``. Generated instances
use the best value any method found in a longer run; refresh them with::

    python -m benchmarks.alns.reference --tier 15min --time-limit 300

which runs plain HiGHS and the ALNS (same worker as the benchmark) on every generated instance of the
tier and keeps, per instance, the better of the stored value and the new runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.alns.instances import OUT, TIERS, Instance
from benchmarks.alns.mps_check import check_solution, read_mps
from benchmarks.alns.recorder import load_run

REFERENCE_FILE = Path(__file__).with_name("reference_values.json")

#: Best known objective values, MIPLIB 2017 (from /work/shared/miplib/README.md).
MIPLIB_BEST_KNOWN = {
    "50v-10": 3311.18,
    "b1c1s1": 24544.25,
    "neos-5140963-mincio": 14393.0,
    "pk1": 11.0,
    "gen-ip002": -4783.733392,
    "gen-ip021": 2361.454195,
    "gen-ip054": 6840.965642,
    "mad": 0.0268,
    "markshare_4_0": 1.0,
    "timtab1": 764772.0,
}
MIPLIB_NOTE = {"neos-5140963-mincio": "README marks this value 'verify'"}


def load_references() -> dict[str, dict[str, Any]]:
    """Stored generated-instance references plus the MIPLIB best-known values."""
    stored = json.loads(REFERENCE_FILE.read_text()) if REFERENCE_FILE.exists() else {}
    for name, value in MIPLIB_BEST_KNOWN.items():
        stored.setdefault(
            name,
            {
                "value": value,
                "source": "MIPLIB 2017 best known (/work/shared/miplib/README.md)"
                + (f"; {MIPLIB_NOTE[name]}" if name in MIPLIB_NOTE else ""),
            },
        )
    return stored


def _better(a: float, b: float, maximize: bool) -> bool:
    return a > b if maximize else a < b


def refresh(
    tier: str,
    time_limit: float,
    jobs: int,
    methods: tuple[str, ...] = ("highs", "alns"),
    only: tuple[str, ...] = (),
) -> dict[str, dict[str, Any]]:
    """Run long runs of ``methods`` on the tier's generated instances (those whose name contains one of
    ``only``, when given) and keep, per instance, the best value in the reference file."""
    from benchmarks.alns.run import Job, run_job

    instances = [
        i
        for i in TIERS[tier].instances()
        if i.family != "miplib" and (not only or any(s in i.name for s in only))
    ]
    out_dir = OUT / "reference_runs" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    job_list = [Job(inst, method, 0, time_limit) for inst in instances for method in methods]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outs = list(pool.map(lambda job: (job, run_job(job, out_dir)), job_list))
    stored = json.loads(REFERENCE_FILE.read_text()) if REFERENCE_FILE.exists() else {}
    bounds = {}
    for job, out in outs:
        final = load_run(out)["final"] or {}
        if job.method == "highs" and final:
            bounds[job.instance.name] = (final["status"], final["extra"].get("dual_bound"))
    for job, out in outs:
        inst: Instance = job.instance
        run = load_run(out)
        if not run["trajectory"] or run["solution"] is None:
            continue
        model = read_mps(inst.path)
        check = check_solution(model, run["solution"])
        if not check.feasible:
            print(
                f"{inst.name} {job.method}: final solution {check.describe()}; ignored",
                file=sys.stderr,
            )
            continue
        found_at, _ = run["trajectory"][-1]
        old = stored.get(inst.name)
        if (
            old is None
            or old.get("sha256") != inst.sha256()
            or _better(check.objective, old["value"], model.maximize)
        ):
            kept = old if old is not None and old.get("sha256") == inst.sha256() else {}
            stored[inst.name] = {
                **kept,
                "value": check.objective,
                "sense": "max" if model.maximize else "min",
                "source": f"best of {'/'.join(methods)} runs of {time_limit:g} s (1 thread) on "
                f"{dt.date.today().isoformat()}; this one by {job.method} at {found_at:.1f} s"
                + (f"; replaced {old['value']} ({old['source']})" if old is not None else ""),
                "generator": inst.provenance,
                "sha256": inst.sha256(),
            }
        if inst.name in bounds and inst.name in stored:
            status, dual = bounds[inst.name]
            stored[inst.name].update(
                {
                    f"highs_{time_limit:g}s_status": status,
                    f"highs_{time_limit:g}s_dual_bound": dual,
                    "proven_optimal": status == "Optimal",
                }
            )
    REFERENCE_FILE.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tier", default="15min", choices=sorted(TIERS))
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--methods", default="highs,alns", help="comma-separated: highs,alns,scip")
    parser.add_argument(
        "--instances", default="", help="comma-separated substrings of instance names"
    )
    args = parser.parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    only = tuple(s for s in args.instances.split(",") if s)
    for name, entry in refresh(args.tier, args.time_limit, args.jobs, methods, only).items():
        print(f"{name}: {entry['value']}  ({entry['source']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
