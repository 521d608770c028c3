"""optmodel against a baseline source tree on the model-building benchmark, side by side in one run.

Each case runs ``benchmarks/model_building.py --worker optmodel FAMILY SIZE`` in a fresh process, once with
this tree's sources and once with the baseline's, interleaved (repeat -> case -> tree) so both see the same
machine load. Reports the median time outside HiGHS (and the ratio of the fastest runs, which a busy machine
disturbs least), the model-building stage, and peak memory per tree, with their ratios.

Run: ``.venv/bin/python benchmarks/model_building_ab.py --baseline DIR [--cases transport=300,network=20000]
[--repeats 5]`` where DIR holds the baseline's ``src/`` and ``benchmarks/model_building.py`` (e.g. made with
``git archive main src benchmarks | tar -x -C DIR``). Writes ``benchmarks/results/model_building_ab.json``
and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _run(tree: Path, family: str, size: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    script = tree / "benchmarks" / "model_building.py"
    command = [sys.executable, str(script), "--worker", "optmodel", family, str(size)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--cases", default="transport=300,network=20000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS / "model_building_ab")
    args = parser.parse_args()
    cases = [(f, int(n)) for f, _, n in (c.partition("=") for c in args.cases.split(","))]
    trees = {"baseline": args.baseline.resolve(), "current": ROOT}
    load_before = os.getloadavg()
    runs: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for repeat in range(args.repeats):
        for family, size in cases:
            for label, tree in trees.items():
                result = _run(tree, family, size)
                runs.setdefault((label, family, size), []).append(result)
                print(
                    f"[{repeat + 1}/{args.repeats}] {family} {size} {label}: "
                    f"outside {result['outside_s']:.3f} s, peak {result['peak_mib']:.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
    load_after = os.getloadavg()
    rows = []
    for family, size in cases:
        row: dict[str, Any] = {"family": family, "size": size}
        for label in trees:
            done = runs[(label, family, size)]
            row[label] = {
                "outside_s": statistics.median(r["outside_s"] for r in done),
                "outside_min_s": min(r["outside_s"] for r in done),
                "stages_s": {
                    stage: statistics.median(r["stages"][stage] for r in done)
                    for stage in done[-1]["stages"]
                },
                "peak_mib": statistics.median(r["peak_mib"] for r in done),
                "objective": done[-1].get("objective"),
                "path": done[-1].get("path"),
            }
        row["time_ratio"] = row["current"]["outside_s"] / row["baseline"]["outside_s"]
        row["min_time_ratio"] = row["current"]["outside_min_s"] / row["baseline"]["outside_min_s"]
        row["memory_ratio"] = row["current"]["peak_mib"] / row["baseline"]["peak_mib"]
        rows.append(row)
    meta = {
        "command": " ".join(sys.argv),
        "repeats": args.repeats,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    lines = [
        "# optmodel vs a baseline tree: time outside HiGHS run() and peak memory (medians)",
        "",
        f"Load before: {meta['load_before']}; after: {meta['load_after']}; repeats: {args.repeats}; "
        f"command: `{meta['command']}`",
        "",
        "| family | size | baseline s | current s | current/baseline | ratio of the fastest runs "
        "| build s baseline / current | baseline MiB | current MiB | memory ratio | same objective |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        base, cur = row["baseline"], row["current"]
        lines.append(
            f"| {row['family']} | {row['size']} | {base['outside_s']:.3f} | {cur['outside_s']:.3f} "
            f"| {row['time_ratio']:.3f} | {row['min_time_ratio']:.3f} "
            f"| {base['stages_s'].get('compile_s', 0):.3f} / {cur['stages_s'].get('compile_s', 0):.3f} "
            f"| {base['peak_mib']:.0f} | {cur['peak_mib']:.0f} "
            f"| {row['memory_ratio']:.3f} | {base['objective'] == cur['objective']} |"
        )
    text = "\n".join(lines) + "\n"
    args.output.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
