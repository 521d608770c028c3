"""What duals/ranging and writing values back into the Pyomo model add to an LP solve, side by side in one run.

A random n x n transportation LP (n^2 columns, 2n rows) is extracted once and solved with highspy; then,
on the same solved ``Highs``, each step is timed (median of ``--repeats``):

- ``highs_run``: HiGHS itself (the baseline);
- ``name_values``: naming the column values (``solution_values``, what every solve already did);
- ``sensitivity``: duals, slacks, reduced costs and ranging, naming the rows (``lp_sensitivity``, new in
  issue 10; the backend names the columns once for the values and the sensitivity);
- ``load_back``: writing the values into the Pyomo model (``load_into_model``, new in issue 10).

Reported as ratios to ``highs_run``; results in benchmarks/results/answer_extras_overhead.json.

    PYTHONPATH=src .venv/bin/python benchmarks/answer_extras_overhead.py --size 150 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyomo.environ as pyo

from optmodel.solvers.base import SolutionStatus, SolveResult, TerminationCondition
from optmodel.solvers.highs_sensitivity import lp_sensitivity
from optmodel.solvers.load_back import load_into_model
from optmodel.standard_form import extract
from optmodel.standard_form.highs_model import build_highs
from optmodel.standard_form.labels import constraint_symbol, solution_values, variable_symbol

RESULTS = Path(__file__).resolve().parent / "results" / "answer_extras_overhead.json"


def transport(n: int, seed: int = 0) -> pyo.ConcreteModel:
    rng = np.random.default_rng(seed)
    cost, supply = rng.uniform(1, 10, (n, n)), rng.uniform(50, 100, n)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), range(n), within=pyo.NonNegativeReals)
    m.cost = pyo.Objective(expr=sum(cost[i, j] * m.x[i, j] for i in range(n) for j in range(n)))
    m.supply = pyo.Constraint(
        range(n), rule=lambda m, i: sum(m.x[i, j] for j in range(n)) <= supply[i]
    )
    m.demand = pyo.Constraint(
        range(n), rule=lambda m, j: sum(m.x[i, j] for i in range(n)) >= 0.9 * supply[j]
    )
    return m


def median_seconds(step: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    model = transport(args.size)
    form = extract(model)
    highs = build_highs(form)

    def run() -> None:
        highs.clearSolver()
        highs.run()

    seconds = {"highs_run": median_seconds(run, args.repeats)}
    values = np.asarray(highs.getSolution().col_value)
    columns = [variable_symbol(v, None) for v in form.variables]
    solution = solution_values(form.variables, values, form.fixed, None)
    seconds["name_values"] = median_seconds(
        lambda: solution_values(form.variables, values, form.fixed, None), args.repeats
    )
    seconds["sensitivity"] = median_seconds(
        lambda: lp_sensitivity(
            highs,
            columns,
            [constraint_symbol(c, None) for c in form.constraints],
            form.row_constant,
        ),
        args.repeats,
    )
    result = SolveResult(
        TerminationCondition.OPTIMAL, SolutionStatus.OPTIMAL, "highs", solution=solution
    )
    seconds["load_back"] = median_seconds(
        lambda: load_into_model(model, result, None), args.repeats
    )
    base = seconds["highs_run"]
    report = {
        "columns": form.n_cols,
        "rows": form.n_rows,
        "repeats": args.repeats,
        "load_average": os.getloadavg()[0],
        "seconds": seconds,
        "ratio_to_highs_run": {k: v / base for k, v in seconds.items()},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
