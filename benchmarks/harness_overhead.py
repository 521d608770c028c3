"""Harness overhead: ``optmodel bench`` over NL4OPT + OptiBench with an instant scripted LLM and 2 workers.

Run: ``.venv/bin/python benchmarks/harness_overhead.py [--data-dir ../shared/datasets] [--workers 2]``.
The scripted LLM answers every problem at once with a small valid model, so what is measured is the harness:
loading, prompt building, extraction, validation, compilation, solving in the pool, scoring and writing results.
Target: under 2 minutes for ~900 problems on 2 cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import tempfile
import time
from pathlib import Path

from optmodel.benchmarks.report import load_records, write_reports
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.llm.providers.scripted import ScriptedProvider

REPLY = (
    "```json\n"
    + json.dumps(
        {
            "sets": {"P": ["a", "b"]},
            "parameters": {"profit": {"index": ["P"], "values": {"a": 3, "b": 5}}},
            "variables": {"x": {"index": ["P"], "type": "integer", "ub": 10}},
            "objective": {"sense": "maximize", "expression": "sum(profit[p] * x[p] for p in P)"},
            "constraints": {"budget": {"expression": "sum(x[p] for p in P) <= 12"}},
        }
    )
    + "\n```"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--datasets", nargs="+", default=["nl4opt", "optibench"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--profile", action="store_true", help="print where the time goes (cProfile, main process)"
    )
    args = parser.parse_args()
    llm = ScriptedProvider(rules=lambda request: REPLY)
    with tempfile.TemporaryDirectory() as tmp:
        config = BenchConfig(
            datasets=tuple(args.datasets),
            llm="scripted",
            methods=("standard",),
            out=Path(tmp) / "run",
            workers=args.workers,
            data_dir=args.data_dir,
            limit=args.limit,
            chunk_size=64,
        )
        profiler = cProfile.Profile() if args.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        run = run_benchmark(config, llm)
        bench_s = time.perf_counter() - start
        start = time.perf_counter()
        write_reports(run, plots=True)
        report_s = time.perf_counter() - start
        if profiler:
            profiler.disable()
        records = load_records(run)
    compile_s = sum(r.compile_s for r in records)
    solve_s = sum(r.solve_s for r in records)
    print(f"{len(records)} problems, {args.workers} workers")
    print(
        f"bench: {bench_s:.1f} s total ({1000 * bench_s / max(1, len(records)):.1f} ms/problem); reports+plots {report_s:.1f} s"
    )
    print(
        f"inside workers (summed over problems): compile {compile_s:.1f} s, solve {solve_s:.1f} s"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
