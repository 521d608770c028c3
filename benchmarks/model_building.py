"""Model building at scale: optmodel vs Pyomo vs linopy vs highspy direct, on four model families.

Every run starts a fresh process that generates the family's data in memory (plain Python lists and dicts,
untimed), then times everything from that data to the answer mapped back to names: building, handing the
model to HiGHS, HiGHS's own ``run()``, reading the solution (and, for optmodel, validation and the solution
check). The same HiGHS (highspy) sits inside every tool; its ``run()`` is timed by wrapping
``highspy.Highs.run``, so the figure compared is the time *outside* HiGHS. Peak memory is the process's
maximum resident set size. Runs are interleaved (repeat -> size -> tool) and the median of the repeats is
reported, with the ratio to linopy and Pyomo and the growth exponent of time against nonzeros.

Library imports happen before the clock starts. Run: ``.venv/bin/python benchmarks/model_building.py [--families transport,linking,network,milp]
[--scale 1.0] [--repeats 3] [--tools optmodel,pyomo,linopy,highspy]``; ``--smoke`` runs tiny sizes once.
Needs ``pip install 'optmodel[bench]'`` for linopy (it is skipped with a note when missing).
Writes ``benchmarks/results/model_building.json`` and ``.md`` (every run's optmodel/linopy ratio listed under
the medians); ``--merge A.json B.json --output NAME`` writes one table from the runs of earlier files (say, more
repeats for one family, run under the lock apart).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TOOLS = ("optmodel", "pyomo", "linopy", "highspy")
#: Sizes per family (the largest has at least 500k variables at --scale 1).
SIZES: dict[str, list[int]] = {
    "transport": [100, 300, 710],  # n suppliers x n customers
    "linking": [100, 300, 710],  # n facilities x n customers, x[i,j] <= y[i]
    "network": [10_000, 40_000, 100_000],  # nodes; 5 arcs per node
    "milp": [20, 60, 160],  # facilities; 20 customers per facility
}
MILP_TIME_LIMIT = 5.0


# --- data (plain Python, generated in the worker, not timed) ----------------------------------------
def transport_data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    return {
        "S": [f"s{i}" for i in range(n)],
        "C": [f"c{j}" for j in range(n)],
        "supply": rng.integers(50, 100, n).tolist(),
        "demand": rng.integers(10, 49, n).tolist(),
        "cost": rng.uniform(1, 10, (n, n)).round(2).tolist(),
    }


def linking_data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(n + 1)
    return {
        "F": [f"f{i}" for i in range(n)],
        "C": [f"c{j}" for j in range(n)],
        "fixed": rng.uniform(50, 100, n).round(2).tolist(),
        "cost": rng.uniform(1, 10, (n, n)).round(2).tolist(),
    }


def network_data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(n + 2)
    heads = rng.integers(0, n, (n, 4))
    arcs = {(i, (i + 1) % n) for i in range(n)}  # a ring keeps every node reachable
    arcs |= {(i, int(j)) for i in range(n) for j in heads[i] if int(j) != i}
    arc_list = sorted(arcs)
    supply = [0] * n
    for k in range(0, n, 10):
        supply[k] += 5
        supply[(k + 5) % n] -= 5
    return {
        "N": list(range(n)),
        "ARCS": [list(a) for a in arc_list],
        "cost": rng.uniform(1, 10, len(arc_list)).round(2).tolist(),
        "supply": supply,
    }


def milp_data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(n + 3)
    customers = 20 * n
    return {
        "F": [f"f{i}" for i in range(n)],
        "C": [f"c{j}" for j in range(customers)],
        "fixed": rng.uniform(500, 1000, n).round(1).tolist(),
        "truck": rng.uniform(20, 40, n).round(1).tolist(),
        "demand": rng.integers(1, 10, customers).tolist(),
        "cost": rng.uniform(1, 10, (n, customers)).round(2).tolist(),
        "per_truck": 40,
    }


DATA: dict[str, Callable[[int], dict[str, Any]]] = {
    "transport": transport_data,
    "linking": linking_data,
    "network": network_data,
    "milp": milp_data,
}


# --- optmodel -----------------------------------------------------------------------------------------
def optmodel_formulation(family: str, d: dict[str, Any]) -> dict[str, Any]:
    if family == "transport":
        return {
            "sets": {"S": d["S"], "C": d["C"]},
            "parameters": {
                "supply": {"index": ["S"], "values": d["supply"]},
                "demand": {"index": ["C"], "values": d["demand"]},
                "cost": {"index": ["S", "C"], "values": d["cost"]},
            },
            "variables": {"x": {"index": ["S", "C"]}},
            "objective": {
                "sense": "min",
                "expression": "sum(cost[s, c] * x[s, c] for s in S for c in C)",
            },
            "constraints": {
                "supply": {
                    "forall": "s in S",
                    "expression": "sum(x[s, c] for c in C) <= supply[s]",
                },
                "demand": {
                    "forall": "c in C",
                    "expression": "sum(x[s, c] for s in S) >= demand[c]",
                },
            },
        }
    if family == "linking":
        return {
            "sets": {"F": d["F"], "C": d["C"]},
            "parameters": {
                "fixed": {"index": ["F"], "values": d["fixed"]},
                "cost": {"index": ["F", "C"], "values": d["cost"]},
            },
            "variables": {"x": {"index": ["F", "C"], "ub": 1}, "y": {"index": ["F"], "ub": 1}},
            "objective": {
                "sense": "min",
                "expression": "sum(fixed[f] * y[f] for f in F) + sum(cost[f, c] * x[f, c] for f in F for c in C)",
            },
            "constraints": {
                "serve": {"forall": "c in C", "expression": "sum(x[f, c] for f in F) >= 1"},
                "link": {"forall": "f in F, c in C", "expression": "x[f, c] <= y[f]"},
            },
        }
    if family == "network":
        return {
            "sets": {"N": d["N"], "ARCS": d["ARCS"]},
            "parameters": {
                "cost": {"index": ["ARCS"], "values": d["cost"]},
                "supply": {"index": ["N"], "values": d["supply"]},
            },
            "variables": {"flow": {"index": ["ARCS"]}},
            "objective": {
                "sense": "min",
                "expression": "sum(cost[i, j] * flow[i, j] for (i, j) in ARCS)",
            },
            "constraints": {
                "balance": {
                    "forall": "n in N",
                    "expression": "sum(flow[i, j] for (i, j) in ARCS if i == n) "
                    "- sum(flow[i, j] for (i, j) in ARCS if j == n) == supply[n]",
                }
            },
        }
    return {
        "sets": {"F": d["F"], "C": d["C"]},
        "parameters": {
            "fixed": {"index": ["F"], "values": d["fixed"]},
            "truck": {"index": ["F"], "values": d["truck"]},
            "demand": {"index": ["C"], "values": d["demand"]},
            "cost": {"index": ["F", "C"], "values": d["cost"]},
            "per_truck": d["per_truck"],
        },
        "variables": {
            "x": {"index": ["F", "C"], "ub": 1},
            "open": {"index": ["F"], "type": "binary"},
            "trucks": {"index": ["F"], "type": "integer", "ub": 50},
        },
        "objective": {
            "sense": "min",
            "expression": "sum(fixed[f] * open[f] + truck[f] * trucks[f] for f in F) "
            "+ sum(cost[f, c] * x[f, c] for f in F for c in C)",
        },
        "constraints": {
            "serve": {"forall": "c in C", "expression": "sum(x[f, c] for f in F) == 1"},
            "capacity": {
                "forall": "f in F",
                "expression": "sum(demand[c] * x[f, c] for c in C) <= per_truck * trucks[f]",
            },
            "only_open": {"forall": "f in F", "expression": "trucks[f] <= 50 * open[f]"},
        },
    }


def run_optmodel(family: str, d: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    from optmodel.model_solver import run_formulation
    from optmodel.modeling.language.ir import Formulation
    from optmodel.solvers.base import SolveOptions

    formulation = Formulation.model_validate(optmodel_formulation(family, d))
    run = run_formulation(formulation, options=SolveOptions(time_limit=time_limit))
    assert run.result is not None, run.error
    # Every value read out, as linopy's .solution.values and Pyomo's value dicts are (the key index of an
    # indexed variable's mapping is built on its first lookup by key, which this does not do).
    values = {
        name: list(entry.values()) if isinstance(entry, Mapping) else entry
        for name, entry in run.result.solution.items()
    }
    return {
        "n_values": sum(len(v) if isinstance(v, list) else 1 for v in values.values()),
        "objective": run.result.objective,
        "path": run.build_path,
        "stages": dict(run.timings),
        "status": run.stage.value,
    }


# --- Pyomo (idiomatic ConcreteModel, solved through appsi_highs) --------------------------------------
def run_pyomo(family: str, d: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    if family == "transport":
        S, C = d["S"], d["C"]
        supply, demand = (
            dict(zip(S, d["supply"], strict=True)),
            dict(zip(C, d["demand"], strict=True)),
        )
        cost = {(s, c): d["cost"][i][j] for i, s in enumerate(S) for j, c in enumerate(C)}
        m.S, m.C = pyo.Set(initialize=S), pyo.Set(initialize=C)
        m.x = pyo.Var(m.S, m.C, within=pyo.NonNegativeReals)
        m.obj = pyo.Objective(expr=sum(cost[s, c] * m.x[s, c] for s in S for c in C))
        m.sup = pyo.Constraint(m.S, rule=lambda m, s: sum(m.x[s, c] for c in C) <= supply[s])
        m.dem = pyo.Constraint(m.C, rule=lambda m, c: sum(m.x[s, c] for s in S) >= demand[c])
        names = [m.x]
    elif family == "linking":
        F, C = d["F"], d["C"]
        fixed = dict(zip(F, d["fixed"], strict=True))
        cost = {(f, c): d["cost"][i][j] for i, f in enumerate(F) for j, c in enumerate(C)}
        m.F, m.C = pyo.Set(initialize=F), pyo.Set(initialize=C)
        m.x = pyo.Var(m.F, m.C, bounds=(0, 1))
        m.y = pyo.Var(m.F, bounds=(0, 1))
        m.obj = pyo.Objective(
            expr=sum(fixed[f] * m.y[f] for f in F)
            + sum(cost[f, c] * m.x[f, c] for f in F for c in C)
        )
        m.serve = pyo.Constraint(m.C, rule=lambda m, c: sum(m.x[f, c] for f in F) >= 1)
        m.link = pyo.Constraint(m.F, m.C, rule=lambda m, f, c: m.x[f, c] <= m.y[f])
        names = [m.x, m.y]
    elif family == "network":
        arcs = [tuple(a) for a in d["ARCS"]]
        cost = dict(zip(arcs, d["cost"], strict=True))
        out_arcs: dict[int, list[tuple[int, int]]] = {n: [] for n in d["N"]}
        in_arcs: dict[int, list[tuple[int, int]]] = {n: [] for n in d["N"]}
        for a in arcs:
            out_arcs[a[0]].append(a)
            in_arcs[a[1]].append(a)
        m.N, m.A = pyo.Set(initialize=d["N"]), pyo.Set(initialize=arcs, dimen=2)
        m.flow = pyo.Var(m.A, within=pyo.NonNegativeReals)
        m.obj = pyo.Objective(expr=sum(cost[a] * m.flow[a] for a in arcs))
        m.balance = pyo.Constraint(
            m.N,
            rule=lambda m, n: (
                sum(m.flow[a] for a in out_arcs[n]) - sum(m.flow[a] for a in in_arcs[n])
                == d["supply"][n]
            ),
        )
        names = [m.flow]
    else:
        F, C = d["F"], d["C"]
        fixed, truck = dict(zip(F, d["fixed"], strict=True)), dict(zip(F, d["truck"], strict=True))
        demand = dict(zip(C, d["demand"], strict=True))
        cost = {(f, c): d["cost"][i][j] for i, f in enumerate(F) for j, c in enumerate(C)}
        m.F, m.C = pyo.Set(initialize=F), pyo.Set(initialize=C)
        m.x = pyo.Var(m.F, m.C, bounds=(0, 1))
        m.open = pyo.Var(m.F, within=pyo.Binary)
        m.trucks = pyo.Var(m.F, within=pyo.NonNegativeIntegers, bounds=(0, 50))
        m.obj = pyo.Objective(
            expr=sum(fixed[f] * m.open[f] + truck[f] * m.trucks[f] for f in F)
            + sum(cost[f, c] * m.x[f, c] for f in F for c in C)
        )
        m.serve = pyo.Constraint(m.C, rule=lambda m, c: sum(m.x[f, c] for f in F) == 1)
        m.cap = pyo.Constraint(
            m.F,
            rule=lambda m, f: sum(demand[c] * m.x[f, c] for c in C) <= d["per_truck"] * m.trucks[f],
        )
        m.only_open = pyo.Constraint(m.F, rule=lambda m, f: m.trucks[f] <= 50 * m.open[f])
        names = [m.x, m.open, m.trucks]
    solver = pyo.SolverFactory("appsi_highs")
    if time_limit is not None:
        solver.config.time_limit = time_limit
    solver.config.load_solution = True
    solver.solve(m)
    values = {var.name: {k: v.value for k, v in var.items()} for var in names}
    return {"objective": pyo.value(m.obj), "n_values": sum(len(v) for v in values.values())}


# --- linopy (io_api="direct") -------------------------------------------------------------------------
def run_linopy(family: str, d: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    import linopy
    import pandas as pd
    import xarray as xr

    m = linopy.Model()
    if family in ("transport", "linking", "milp"):
        rows, cols = (d["S"], d["C"]) if family == "transport" else (d["F"], d["C"])
        first = "S" if family == "transport" else "F"
        cost = xr.DataArray(np.array(d["cost"]), coords={first: rows, "C": cols})
        if family == "transport":
            x = m.add_variables(
                lower=0, coords=[pd.Index(rows, name="S"), pd.Index(cols, name="C")], name="x"
            )
            m.add_objective((cost * x).sum())
            supply = xr.DataArray(d["supply"], coords={"S": rows})
            demand = xr.DataArray(d["demand"], coords={"C": cols})
            m.add_constraints(x.sum("C") <= supply, name="supply")
            m.add_constraints(x.sum("S") >= demand, name="demand")
        elif family == "linking":
            x = m.add_variables(
                0, 1, coords=[pd.Index(rows, name="F"), pd.Index(cols, name="C")], name="x"
            )
            y = m.add_variables(0, 1, coords=[pd.Index(rows, name="F")], name="y")
            fixed = xr.DataArray(d["fixed"], coords={"F": rows})
            m.add_objective((fixed * y).sum() + (cost * x).sum())
            m.add_constraints(x.sum("F") >= 1, name="serve")
            m.add_constraints(x - y <= 0, name="link")
        else:
            x = m.add_variables(
                0, 1, coords=[pd.Index(rows, name="F"), pd.Index(cols, name="C")], name="x"
            )
            is_open = m.add_variables(coords=[pd.Index(rows, name="F")], binary=True, name="open")
            trucks = m.add_variables(
                0, 50, coords=[pd.Index(rows, name="F")], integer=True, name="trucks"
            )
            fixed = xr.DataArray(d["fixed"], coords={"F": rows})
            truck = xr.DataArray(d["truck"], coords={"F": rows})
            demand = xr.DataArray(d["demand"], coords={"C": cols})
            m.add_objective((fixed * is_open).sum() + (truck * trucks).sum() + (cost * x).sum())
            m.add_constraints(x.sum("F") == 1, name="serve")
            m.add_constraints((demand * x).sum("C") - d["per_truck"] * trucks <= 0, name="capacity")
            m.add_constraints(trucks - 50 * is_open <= 0, name="only_open")
    else:
        arcs = pd.Index(range(len(d["ARCS"])), name="arc")
        tails = xr.DataArray([a[0] for a in d["ARCS"]], coords={"arc": arcs})
        heads = xr.DataArray([a[1] for a in d["ARCS"]], coords={"arc": arcs})
        flow = m.add_variables(lower=0, coords=[arcs], name="flow")
        m.add_objective((xr.DataArray(d["cost"], coords={"arc": arcs}) * flow).sum())
        out_flow = flow.groupby(tails.rename("node")).sum()
        in_flow = flow.groupby(heads.rename("node")).sum()
        supply = xr.DataArray(d["supply"], coords={"node": d["N"]})
        m.add_constraints(out_flow - in_flow == supply, name="balance")
    kwargs = {"time_limit": time_limit} if time_limit is not None else {}
    m.solve("highs", io_api="direct", **kwargs)
    values = {name: m.variables[name].solution.values for name in m.variables}
    return {"objective": float(m.objective.value), "n_values": sum(v.size for v in values.values())}


# --- highspy direct (numpy arrays straight into passModel) -----------------------------------------
def run_highspy(family: str, d: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    import highspy

    inf = highspy.kHighsInf
    integrality = None
    if family == "transport":
        n = len(d["S"])
        cost = np.asarray(d["cost"], dtype=float).ravel()
        rows = np.r_[np.repeat(np.arange(n), n), n + np.tile(np.arange(n), n)]
        cols = np.r_[np.arange(n * n), np.arange(n * n)]
        vals = np.ones(2 * n * n)
        row_lower = np.r_[np.full(n, -inf), np.asarray(d["demand"], dtype=float)]
        row_upper = np.r_[np.asarray(d["supply"], dtype=float), np.full(n, inf)]
        col_lower, col_upper = np.zeros(n * n), np.full(n * n, inf)
    elif family == "linking":
        n = len(d["F"])
        nx = n * n
        cost = np.r_[
            np.asarray(d["cost"], dtype=float).ravel(), np.asarray(d["fixed"], dtype=float)
        ]
        xs = np.arange(nx)
        rows = np.r_[np.tile(np.arange(n), n), n + xs, n + xs]
        cols = np.r_[xs, xs, nx + np.repeat(np.arange(n), n)]
        vals = np.r_[np.ones(nx), np.ones(nx), -np.ones(nx)]
        row_lower = np.r_[np.ones(n), np.full(nx, -inf)]
        row_upper = np.r_[np.full(n, inf), np.zeros(nx)]
        col_lower, col_upper = np.zeros(nx + n), np.ones(nx + n)
    elif family == "network":
        arcs = np.asarray(d["ARCS"], dtype=np.int64)
        m_arcs, n = len(arcs), len(d["N"])
        cost = np.asarray(d["cost"], dtype=float)
        rows = np.r_[arcs[:, 0], arcs[:, 1]]
        cols = np.r_[np.arange(m_arcs), np.arange(m_arcs)]
        vals = np.r_[np.ones(m_arcs), -np.ones(m_arcs)]
        row_lower = row_upper = np.asarray(d["supply"], dtype=float)
        col_lower, col_upper = np.zeros(m_arcs), np.full(m_arcs, inf)
    else:
        n, k = len(d["F"]), len(d["C"])
        nx = n * k
        cost = np.r_[np.asarray(d["cost"], dtype=float).ravel(), d["fixed"], d["truck"]]
        xs = np.arange(nx)
        demand = np.asarray(d["demand"], dtype=float)
        opens, trucks = nx + np.arange(n), nx + n + np.arange(n)
        rows = np.r_[np.tile(np.arange(k), n), k + np.repeat(np.arange(n), k), k + np.arange(n)]
        rows = np.r_[rows, k + n + np.arange(n), k + n + np.arange(n)]
        cols = np.r_[xs, xs, trucks, trucks, opens]
        vals = np.r_[
            np.ones(nx),
            np.tile(demand, n),
            -d["per_truck"] * np.ones(n),
            np.ones(n),
            -50 * np.ones(n),
        ]
        row_lower = np.r_[np.ones(k), np.full(2 * n, -inf)]
        row_upper = np.r_[np.ones(k), np.zeros(2 * n)]
        col_lower = np.zeros(nx + 2 * n)
        col_upper = np.r_[np.ones(nx + n), np.full(n, 50.0)]
        integrality = np.r_[np.zeros(nx), np.ones(2 * n)].astype(np.uint8)
    n_rows, n_cols = len(row_lower), len(cost)
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.searchsorted(rows, np.arange(n_rows + 1)).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
        start,
        cols.astype(np.int32),
        vals,
    )
    if integrality is not None:
        lp.integrality_ = [highspy.HighsVarType(int(v)) for v in integrality]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", time_limit)
    h.passModel(lp)
    h.run()
    values = np.asarray(h.getSolution().col_value)
    return {"objective": h.getInfo().objective_function_value, "n_values": len(values)}


RUNNERS = {
    "optmodel": run_optmodel,
    "pyomo": run_pyomo,
    "linopy": run_linopy,
    "highspy": run_highspy,
}
#: Imported before the clock starts: the figure is model building, not library import time.
PRELOAD = {
    "optmodel": [
        "optmodel.model_solver",
        "optmodel.modeling.checks.validate",
        "optmodel.modeling.matrix",
        "optmodel.modeling.pyomo.compile",
        "optmodel.solvers.highs",
    ],
    "pyomo": ["pyomo.environ", "pyomo.contrib.appsi.solvers.highs"],
    "linopy": ["linopy", "xarray", "pandas"],
    "highspy": ["highspy"],
}


def worker(tool: str, family: str, size: int) -> dict[str, Any]:
    """One timed run in this (fresh) process."""
    import importlib

    import highspy

    for module in PRELOAD[tool]:
        importlib.import_module(module)
    data = DATA[family](size)
    spent: list[float] = []
    ranging: list[float] = []
    plain_run, plain_ranging = highspy.Highs.run, highspy.Highs.getRanging

    def timed(method: Any, into: list[float]) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                into.append(time.perf_counter() - start)

        return call

    highspy.Highs.run = timed(plain_run, spent)  # type: ignore[method-assign]
    # optmodel's HiGHS backend also asks for LP sensitivity ranging (HiGHS work outside run()): shown apart.
    highspy.Highs.getRanging = timed(plain_ranging, ranging)  # type: ignore[method-assign]
    time_limit = MILP_TIME_LIMIT if family == "milp" else None
    try:
        start = time.perf_counter()
        outcome = RUNNERS[tool](family, data, time_limit)
        total = time.perf_counter() - start
    finally:
        highspy.Highs.run = plain_run  # type: ignore[method-assign]
        highspy.Highs.getRanging = plain_ranging  # type: ignore[method-assign]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        **outcome,
        "tool": tool,
        "family": family,
        "size": size,
        "total_s": total,
        "highs_run_s": sum(spent),
        "outside_s": total - sum(spent),
        "ranging_s": sum(ranging),
        "peak_mib": peak,
    }


# --- driver -------------------------------------------------------------------------------------------
def _spawn(tool: str, family: str, size: int, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", tool, family, str(size)]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {
            "tool": tool,
            "family": family,
            "size": size,
            "error": f"timeout after {timeout:.0f} s",
        }
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        error = done.stderr.strip()[-500:] or f"exit status {done.returncode} without a message"
        return {"tool": tool, "family": family, "size": size, "error": error}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _nonzeros(family: str, size: int) -> int:
    if family == "transport":
        return 2 * size * size
    if family == "linking":
        return 3 * size * size
    if family == "network":
        return 2 * 5 * size  # about 5 arcs per node, each in two rows
    return 2 * size * 20 * size + 3 * size


def _exponent(points: list[tuple[int, float]]) -> float | None:
    points = [(x, y) for x, y in points if y > 0]
    if len(points) < 2:
        return None
    xs, ys = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(xs, ys, 1)[0])


def summarise(
    runs: list[dict[str, Any]], families: list[str], sizes: dict[str, list[int]]
) -> dict[str, Any]:
    rows = []
    for family in families:
        for size in sizes[family]:
            row: dict[str, Any] = {
                "family": family,
                "size": size,
                "nonzeros": _nonzeros(family, size),
            }
            for tool in TOOLS:
                done = [
                    r for r in runs if (r["tool"], r["family"], r["size"]) == (tool, family, size)
                ]
                good = [r for r in done if "error" not in r]
                if not good:
                    if done:
                        row[tool] = {"error": done[-1]["error"][-200:]}
                    continue
                row[tool] = {
                    key: statistics.median(r[key] for r in good)
                    for key in ("total_s", "highs_run_s", "outside_s", "ranging_s", "peak_mib")
                }
                row[tool]["runs"] = len(good)
                row[tool]["objective"] = good[-1].get("objective")
                if tool == "optmodel":
                    row[tool]["path"] = good[-1].get("path")
                    row[tool]["stages"] = {
                        k: statistics.median(r["stages"].get(k, 0.0) for r in good)
                        for k in good[-1]["stages"]
                    }
            mine = row.get("optmodel", {}).get("outside_s")
            for peer in ("linopy", "pyomo"):
                theirs = row.get(peer, {}).get("outside_s")
                if mine and theirs:
                    row[f"optmodel_over_{peer}"] = mine / theirs
            rows.append(row)
    exponents: dict[str, dict[str, float | None]] = {}
    for family in families:
        exponents[family] = {
            tool: _exponent(
                [
                    (r["nonzeros"], r[tool]["outside_s"])
                    for r in rows
                    if r["family"] == family and "outside_s" in r.get(tool, {})
                ]
            )
            for tool in TOOLS
        }
    return {"rows": rows, "growth_exponents": exponents}


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        "# Model building: time outside HiGHS run() (median seconds) and peak memory (MiB)",
        "",
        f"Machine: {meta['machine']}; load before: {meta['load_before']}; after: {meta['load_after']}; "
        f"repeats: {meta['repeats']}; command: `{meta['command']}`",
        *(["", meta["note"]] if meta.get("note") else []),
        "",
        "| family | size | nonzeros | optmodel | Pyomo | linopy direct | highspy | optmodel/linopy | optmodel/Pyomo "
        "| of optmodel's: HiGHS getRanging() s | check s / solve s | HiGHS run() s "
        "| peak MiB optmodel / Pyomo / linopy / highspy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(row: dict[str, Any], tool: str, key: str, fmt: str = "{:.2f}") -> str:
        entry = row.get(tool)
        if entry is None:
            return "-"
        if "error" in entry:
            return "error"
        return fmt.format(entry[key])

    for row in summary["rows"]:
        ratios = [
            f"{row[k]:.2f}" if k in row else "-"
            for k in ("optmodel_over_linopy", "optmodel_over_pyomo")
        ]
        highs = cell(row, "highspy", "highs_run_s")
        peaks = " / ".join(cell(row, t, "peak_mib", "{:.0f}") for t in TOOLS)
        lines.append(
            f"| {row['family']} | {row['size']} | {row['nonzeros']:,} | "
            + " | ".join(cell(row, t, "outside_s") for t in TOOLS)
            + f" | {ratios[0]} | {ratios[1]} | {cell(row, 'optmodel', 'ranging_s')} | {_check_share(row)}"
            + f" | {highs} | {peaks} |"
        )
    lines += [
        "",
        "Every run, in order (optmodel / linopy seconds outside HiGHS run(), and their ratio):",
        "",
    ]
    lines += per_run_ratios(summary["rows"], summary.get("runs", []))
    lines += ["", "Growth exponent of the time outside HiGHS against nonzeros:", ""]
    lines += ["| family | " + " | ".join(TOOLS) + " |", "|---" * (len(TOOLS) + 1) + "|"]
    for family, values in summary["growth_exponents"].items():
        shown = ["-" if v is None else f"{v:.2f}" for v in values.values()]
        lines.append(f"| {family} | " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


def per_run_ratios(rows: list[dict[str, Any]], runs: list[dict[str, Any]]) -> list[str]:
    """One line per family and size: each repeat's optmodel and linopy times paired in run order."""
    lines = []
    for row in rows:

        def times(tool: str, row: dict[str, Any] = row) -> list[float]:
            return [
                r["outside_s"]
                for r in runs
                if (r["tool"], r["family"], r["size"]) == (tool, row["family"], row["size"])
                and "error" not in r
            ]

        pairs = zip(times("optmodel"), times("linopy"), strict=False)
        shown = [f"{a:.2f} / {b:.2f} = {a / b:.2f}" for a, b in pairs if b > 0]
        if shown:
            lines.append(f"- {row['family']} {row['size']}: " + "; ".join(shown))
    return lines


def _check_share(row: dict[str, Any]) -> str:
    """optmodel's solution check against its solve stage (HiGHS included); '-' without a check."""
    stages = row.get("optmodel", {}).get("stages") or {}
    if not stages.get("check_s") or not stages.get("solve_s"):
        return "-"
    return f"{stages['check_s']:.3f} / {stages['solve_s']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "FAMILY", "SIZE"))
    parser.add_argument("--families", default=",".join(SIZES))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--sizes", default="", help="FAMILY=N,N;... overriding the default sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="Seconds per run.")
    parser.add_argument(
        "--smoke", action="store_true", help="Tiny sizes, once each (a check that it runs)."
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "model_building")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="Write one table from the runs of earlier result files (e.g. more repeats for one family).",
    )
    parser.add_argument("--note", default="", help="A line written under the table's header.")
    args = parser.parse_args()
    if args.worker:
        tool, family, size = args.worker
        print(json.dumps(worker(tool, family, int(size))))
        return
    if args.merge:
        print(_merge(args.merge, args.output, args.note))
        return
    families = args.families.split(",")
    tools = [t for t in args.tools.split(",") if t]
    sizes = {f: list(SIZES[f]) for f in families}
    for part in filter(None, args.sizes.split(";")):
        family, _, values = part.partition("=")
        sizes[family] = [int(v) for v in values.split(",")]
    repeats = args.repeats
    if args.smoke:
        sizes = {f: [{"transport": 8, "linking": 8, "network": 50, "milp": 3}[f]] for f in families}
        repeats = 1
    if "linopy" in tools:
        try:
            import linopy  # noqa: F401
        except ImportError:
            print(
                "linopy is not installed (pip install 'optmodel[bench]'); skipping it",
                file=sys.stderr,
            )
            tools.remove("linopy")
    load_before = os.getloadavg()
    runs: list[dict[str, Any]] = []
    text = ""
    for repeat in range(repeats):
        for family in families:
            for size in sizes[family]:
                for tool in tools:
                    result = _spawn(tool, family, size, args.timeout)
                    result["repeat"] = repeat + 1
                    runs.append(result)
                    shown = (
                        result.get("error")
                        or f"outside {result['outside_s']:.2f} s, peak {result['peak_mib']:.0f} MiB"
                    )
                    print(
                        f"[{repeat + 1}/{repeats}] {family} {size} {tool}: {shown}",
                        file=sys.stderr,
                        flush=True,
                    )
                    # Written after every run: a long benchmark stopped early still leaves its figures.
                    text = _write(args.output, runs, families, sizes, load_before, repeat + 1)
    print(text)


def _write(
    output: Path,
    runs: list[dict[str, Any]],
    families: list[str],
    sizes: dict[str, list[int]],
    load_before: tuple[float, float, float],
    repeats_done: int,
) -> str:
    summary = {**summarise(runs, families, sizes), "runs": runs}
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "repeats": repeats_done,
        "command": " ".join(["benchmarks/model_building.py", *sys.argv[1:]]),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps({"meta": meta, **summary}, indent=1))
    text = markdown(summary, meta)
    output.with_suffix(".md").write_text(text)
    return text


def _merge(sources: list[Path], output: Path, note: str = "") -> str:
    """One table over the runs of several result files; the meta lists each file's own (load, command)."""
    runs: list[dict[str, Any]] = []
    metas = []
    for source in sources:
        loaded = json.loads(source.read_text())
        metas.append(loaded["meta"])
        runs += [{**run, "source": source.name} for run in loaded["runs"]]
    families = list(dict.fromkeys(r["family"] for r in runs))
    sizes = {f: sorted({r["size"] for r in runs if r["family"] == f}) for f in families}
    summary = {**summarise(runs, families, sizes), "runs": runs}
    repeats = {
        f"{r['tool']} {r['family']} {r['size']}": sum(
            1
            for x in runs
            if (x["tool"], x["family"], x["size"]) == (r["tool"], r["family"], r["size"])
        )
        for r in runs
    }
    meta = {
        "machine": metas[0]["machine"],
        "load_before": [m["load_before"] for m in metas],
        "load_after": [m["load_after"] for m in metas],
        "repeats": sorted(set(repeats.values())),
        "command": " ; ".join(m["command"] for m in metas)
        + " ; merged: "
        + " ".join(["benchmarks/model_building.py", *sys.argv[1:]]),
        "time": [m["time"] for m in metas],
        "sources": metas,
        "note": note,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps({"meta": meta, **summary}, indent=1))
    text = markdown(summary, meta)
    output.with_suffix(".md").write_text(text)
    return text


if __name__ == "__main__":
    main()
