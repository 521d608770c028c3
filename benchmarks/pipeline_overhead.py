"""Time from a loaded Formulation to a solved answer, split into validate / compile / solve / check.

Run: ``.venv/bin/python benchmarks/pipeline_overhead.py [--repeat 5]``. Uses the golden Formulations in
tests/data/golden (warm process: each problem is run once untimed first). Also times ``optmodel --help`` in a
fresh process, and the formulator's own overhead (prompt build, extraction, validate, compile, solve; the LLM is
an instant scripted one replaying the golden model).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from optmodel.llm.formulator import Formulator, FormulatorConfig
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.model_solver import run_formulation
from optmodel.modeling.language.load import load_formulation

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"


def _median_ms(values: list[float]) -> float:
    return 1000 * statistics.median(values)


def pipeline(repeat: int) -> dict[str, object]:
    files = sorted(p for p in GOLDEN.glob("*.json") if p.name != "manifest.json")
    rows = []
    for path in files:
        formulation = load_formulation(path)
        run_formulation(formulation)  # warm-up: imports, solver library loading
        samples: dict[str, list[float]] = {
            "validate_s": [],
            "compile_s": [],
            "solve_s": [],
            "check_s": [],
            "total": [],
        }
        for _ in range(repeat):
            start = time.perf_counter()
            run = run_formulation(formulation)
            samples["total"].append(time.perf_counter() - start)
            for key in ("validate_s", "compile_s", "solve_s", "check_s"):
                samples[key].append(run.timings.get(key, 0.0))
        pyomo_share = _pyomo_share(formulation)
        rows.append(
            {
                "id": path.stem,
                **{k: _median_ms(v) for k, v in samples.items()},
                "pyomo_ms": pyomo_share,
            }
        )
    totals = [r["total"] for r in rows]
    return {
        "problems": len(rows),
        "median_total_ms": statistics.median(totals),
        "p90_total_ms": sorted(totals)[int(0.9 * (len(totals) - 1))],
        "median_ms": {
            k: statistics.median(r[k] for r in rows)
            for k in ("validate_s", "compile_s", "solve_s", "check_s", "pyomo_ms")
        },
        "rows": rows,
    }


def _pyomo_share(formulation: object) -> float:
    """Milliseconds spent in Pyomo: building the model and reading it back into arrays for the solver."""
    from optmodel.modeling.pyomo.compile import compile_formulation
    from optmodel.standard_form import extract

    start = time.perf_counter()
    compiled = compile_formulation(formulation)  # type: ignore[arg-type]
    extract(compiled.model)  # what solve_model does first: Pyomo expressions -> standard form
    return 1000 * (time.perf_counter() - start)


def help_time(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "optmodel", "--help"], capture_output=True, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def formulator_overhead(repeat: int) -> dict[str, float]:
    files = sorted(p for p in GOLDEN.glob("*.json") if p.name != "manifest.json")
    per_problem = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        reply = f"```json\n{text}\n```"
        llm = ScriptedProvider(rules=lambda request, reply=reply: reply)
        formulator = Formulator(llm, FormulatorConfig(max_attempts=1))
        formulator.formulate("warm-up", path.stem)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            formulator.formulate(f"Problem {path.stem}", path.stem)
            times.append(time.perf_counter() - start)
        per_problem.append(statistics.median(times))
    return {
        "median_ms": _median_ms(per_problem),
        "max_ms": 1000 * max(per_problem),
        "problems": len(per_problem),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = {
        "pipeline": pipeline(args.repeat),
        "help_s": help_time(args.repeat),
        "formulator": formulator_overhead(args.repeat),
    }
    p = figures["pipeline"]
    assert isinstance(p, dict)
    print(f"golden problems: {p['problems']}")
    print(
        f"formulation -> answer, median {p['median_total_ms']:.1f} ms, p90 {p['p90_total_ms']:.1f} ms (target: median < 50 ms)"
    )
    print("median split (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in p["median_ms"].items()))  # type: ignore[union-attr]
    print(f"optmodel --help: {figures['help_s']:.3f} s (target < 0.3 s)")
    f = figures["formulator"]
    assert isinstance(f, dict)
    print(
        f"formulator overhead without the LLM: median {f['median_ms']:.1f} ms, max {f['max_ms']:.1f} ms per problem"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
