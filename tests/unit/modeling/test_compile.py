"""Compiling Formulations to Pyomo and solving them with HiGHS: optima, symbol maps and clear errors."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
import pytest

from optmodel.errors import CompileError, FormulationError
from optmodel.modeling import compile as compile_model
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.pyomo.compile import CompiledModel, compile_formulation
from optmodel.symbols import format_symbol


def build(document: dict[str, Any]) -> CompiledModel:
    return compile_formulation(Formulation.model_validate(document))


def solve(compiled: CompiledModel) -> float:
    """Solve with HiGHS through Pyomo's appsi interface; returns the objective value."""
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model)
    assert str(result.solver.termination_condition) == "optimal"
    value = compiled.objective_value()
    assert value is not None
    return value


TRANSPORT: dict[str, Any] = {
    "name": "transport",
    "sets": {"S": ["s1", "s2"], "D": ["d1", "d2", "d3"]},
    "parameters": {
        "supply": {"index": ["S"], "values": {"s1": 20, "s2": 30}},
        "demand": {"index": ["D"], "values": [10, 25, 15]},
        "cost": {
            "index": ["S", "D"],
            "values": {"s1": {"d1": 2, "d2": 4, "d3": 5}, "s2": {"d1": 3, "d2": 1, "d3": 999}},
        },
    },
    "variables": {"x": {"index": ["S", "D"]}},
    "objective": {
        "sense": "minimize",
        "expression": "sum(cost[s, d] * x[s, d] for s in S for d in D if cost[s, d] < 999)",
    },
    "constraints": {
        "supply_limit": {"forall": "s in S", "expression": "sum(x[s, d] for d in D) <= supply[s]"},
        "meet_demand": {
            "forall": "d in D",
            "expression": "sum(x[s, d] for s in S if cost[s, d] < 999) >= demand[d]",
        },
    },
}


def test_transportation_lp_reaches_the_hand_computed_optimum() -> None:
    compiled = build(TRANSPORT)
    # s2 serves d2 (25 at 1); d3 only from s1 (15 at 5); d1 split: s1's last 5 at 2, s2's last 5 at 3.
    assert solve(compiled) == pytest.approx(25 + 75 + 10 + 15)
    x = compiled.solution_from_model()["x"]
    assert isinstance(x, dict)
    assert x[("s1", "d3")] == pytest.approx(15)
    assert x[("s2", "d2")] == pytest.approx(25)


def test_symbol_map_holds_formulation_names_and_pyomo_keys() -> None:
    compiled = build(
        {
            "sets": {"I": [1, 2], "J": ["A", "B"]},
            "variables": {"x": {"index": ["I", "J"], "ub": 1}, "z": {}},
            "objective": {"sense": "max", "expression": "sum(x[i, j] for i in I for j in J) - z"},
            "constraints": {"link": {"forall": "i in I", "expression": "x[i, 'A'] <= z"}},
        }
    )
    names = {format_symbol(s) for s in compiled.symbols.variables.values()}
    assert names == {"x[1,A]", "x[1,B]", "x[2,A]", "x[2,B]", "z"}
    x = compiled.var("x")
    assert compiled.symbols.variables[x[1, "A"]] == ("x", (1, "A"))
    assert sorted(compiled.symbols.constraints.values()) == [("link", 1), ("link", 2)]
    assert solve(compiled) == pytest.approx(3)


def test_public_compile_name_is_the_compiler() -> None:
    assert compile_model is compile_formulation
    assert isinstance(compile_model(Formulation.model_validate(TRANSPORT)), CompiledModel)


def test_production_milp_rounds_to_the_integer_optimum() -> None:
    compiled = build(
        {
            "sets": {"P": ["chairs", "tables"], "R": ["wood", "labour"]},
            "parameters": {
                "profit": {"index": ["P"], "values": [5, 4]},
                "use": {
                    "index": ["R", "P"],
                    "values": [
                        ["wood", "chairs", 6],
                        ["wood", "tables", 4],
                        ["labour", "chairs", 1],
                        ["labour", "tables", 2],
                    ],
                },
                "stock": {"index": ["R"], "values": {"wood": 24, "labour": 6}},
            },
            "variables": {"make": {"index": ["P"], "type": "integer"}},
            "objective": {"sense": "max", "expression": "sum(profit[p] * make[p] for p in P)"},
            "constraints": {
                "capacity": {
                    "forall": "r in R",
                    "expression": "sum(use[r, p] * make[p] for p in P) <= stock[r]",
                }
            },
        }
    )
    assert compiled.var("make")["chairs"].domain is pyo.Integers
    assert solve(compiled) == pytest.approx(20)  # the LP optimum is 21 at (3, 1.5)


def test_derived_set_with_where_indexes_variables_and_constraints() -> None:
    compiled = build(
        {
            "sets": {
                "N": [1, 2, 3],
                "ARCS": {"from": "i in N, j in N", "where": "i != j and dist[i, j] <= 50"},
            },
            "parameters": {
                "dist": {"index": ["N", "N"], "values": [[0, 10, 80], [10, 0, 30], [80, 30, 0]]}
            },
            "variables": {"flow": {"index": ["ARCS"], "ub": 5}},
            "objective": {
                "sense": "max",
                "expression": "sum(flow[i, j] for (i, j) in ARCS) - sum(dist[a] * 0 * flow[a] for a in ARCS)",
            },
            "constraints": {
                "out_of_2": {"expression": "sum(flow[2, j] for (i, j) in ARCS if i == 2) <= 7"},
                "arc_cap": {
                    "forall": "(i, j) in ARCS",
                    "where": "i < j",
                    "expression": "flow[i, j] <= 4",
                },
            },
        }
    )
    keys = {key for _, key in compiled.symbols.variables.values()}
    assert keys == {(1, 2), (2, 1), (2, 3), (3, 2)}
    assert {key for _, key in compiled.symbols.constraints.values() if _ != "out_of_2"} == {
        (1, 2),
        (2, 3),
    }
    # (1,2) and (2,3) capped at 4, (2,1) and (3,2) at 5, but the two arcs out of 2 share 7.
    assert solve(compiled) == pytest.approx(4 + 5 + 7)


def test_constant_ended_chain_is_one_ranged_row() -> None:
    compiled = build(
        {
            "parameters": {"low": 2},
            "variables": {"x": {}, "y": {}},
            "objective": {"sense": "min", "expression": "x + 2 * y"},
            "constraints": {"band": {"expression": "low <= x + y <= 5"}},
        }
    )
    rows = list(compiled.symbols.constraints)
    assert len(rows) == 1 and (rows[0].lower, rows[0].upper) == (2, 5)
    assert solve(compiled) == pytest.approx(2)


def test_chain_with_variable_ends_becomes_two_rows() -> None:
    compiled = build(
        {
            "variables": {"x": {}, "y": {"ub": 3}, "z": {}},
            "objective": {"sense": "max", "expression": "x"},
            "constraints": {"between": {"expression": "z <= x <= y"}},
        }
    )
    assert [s for s in compiled.symbols.constraints.values()] == [("between", None)] * 2
    assert solve(compiled) == pytest.approx(3)


def test_time_indexed_balance_uses_initial_stock_in_the_first_period() -> None:
    compiled = build(
        {
            "sets": {"T": {"range": [1, "horizon"]}},
            "parameters": {
                "horizon": 3,
                "init": 5,
                "demand": {"index": ["T"], "values": [8, 4, 6]},
                "price": {"index": ["T"], "values": [1, 3, 2]},
            },
            "variables": {"make": {"index": ["T"], "ub": 10}, "stock": {"index": ["T"]}},
            "objective": {"sense": "min", "expression": "sum(price[t] * make[t] for t in T)"},
            "constraints": {
                "balance": {
                    "forall": "t in T",
                    "expression": "stock[t] == (stock[t - 1] if t > 1 else init) + make[t] - demand[t]",
                }
            },
        }
    )
    # 13 units beyond the initial 5: the 10 allowed at price 1 in period 1, the last 3 at price 2.
    assert solve(compiled) == pytest.approx(10 * 1 + 3 * 2)
    stock = compiled.solution_from_model()["stock"]
    assert isinstance(stock, dict) and stock[1] == pytest.approx(5 + 10 - 8)


# --- abs / min / max ------------------------------------------------------------------------------
def _aux_binaries(compiled: CompiledModel) -> int:
    component = compiled.model.component("_aux_binaries")
    return 0 if component is None else len(component)


def test_minimize_sum_of_abs_deviations_needs_no_binaries() -> None:
    compiled = build(
        {
            "sets": {"I": [1, 2, 3]},
            "parameters": {"target": {"index": ["I"], "values": [1, 5, 9]}},
            "variables": {"x": {"index": ["I"], "lb": None}},
            "objective": {
                "sense": "min",
                "expression": "sum(2 * abs(x[i] - target[i]) for i in I)",
            },
            "constraints": {"total": {"expression": "sum(x[i] for i in I) == 12"}},
        }
    )
    assert _aux_binaries(compiled) == 0
    assert solve(compiled) == pytest.approx(2 * 3)  # the 3 units missing from 15 cost 2 each
    assert "_aux" not in {name for name, _ in compiled.symbols.variables.values()}
    assert set(compiled.solution_from_model()) == {"x"}


@pytest.mark.parametrize(
    ("objective", "constraint", "optimum"),
    [
        ({"sense": "max", "expression": "x"}, "abs(x - 3) <= 1", 4),
        ({"sense": "min", "expression": "x"}, "-abs(x - 3) >= -1", 2),
        ({"sense": "max", "expression": "x + y"}, "max(x, 2 * y) <= 6", 9),
        ({"sense": "min", "expression": "x + y"}, "min(x, y) >= 2", 4),
        ({"sense": "min", "expression": "max(x, y)"}, "x + y >= 10", 5),
        ({"sense": "max", "expression": "min(x, y) - 0.1 * x"}, "x + y <= 10", 4.5),
        ({"sense": "max", "expression": "-3 * max(x - 4, 4 - x) + y"}, "y <= 1", 1),
    ],
)
def test_convex_abs_min_max_are_modelled_exactly_without_binaries(
    objective: dict[str, str], constraint: str, optimum: float
) -> None:
    compiled = build(
        {
            "variables": {"x": {"lb": None}, "y": {"lb": None}},
            "objective": objective,
            "constraints": {"c": {"expression": constraint}, "floor": {"expression": "y >= -50"}},
        }
    )
    assert _aux_binaries(compiled) == 0
    assert solve(compiled) == pytest.approx(optimum)


def test_nonconvex_abs_without_bounds_is_refused_with_a_hint() -> None:
    with pytest.raises(CompileError) as caught:
        build(
            {
                "variables": {"x": {"lb": None}},
                "objective": {"sense": "min", "expression": "x"},
                "constraints": {"away": {"expression": "abs(x - 1) >= 2"}},
            }
        )
    assert caught.value.path == "constraints.away.expression"
    assert "abs(x - 1)" in str(caught.value)
    assert "lb/ub" in caught.value.hint


@pytest.mark.parametrize(
    ("objective", "constraint", "optimum"),
    [
        ({"sense": "min", "expression": "x"}, "abs(x) >= 2", 2),  # -1 <= x rules out x <= -2
        ({"sense": "max", "expression": "abs(x)"}, "x <= 5", 5),
        ({"sense": "min", "expression": "x + 2 * y"}, "max(x, y) >= 4", 4),
        ({"sense": "max", "expression": "x + y"}, "min(x, y) <= 1", 6),
        ({"sense": "min", "expression": "abs(x - 2)"}, "abs(x - 1) == 2", 1),  # x is -1 or 3
    ],
)
def test_nonconvex_abs_min_max_use_big_m_when_bounds_are_finite(
    objective: dict[str, str], constraint: str, optimum: float
) -> None:
    compiled = build(
        {
            "variables": {"x": {"lb": -1, "ub": 5}, "y": {"lb": 0, "ub": 5}},
            "objective": objective,
            "constraints": {"c": {"expression": constraint}},
        }
    )
    assert _aux_binaries(compiled) >= 1
    assert solve(compiled) == pytest.approx(optimum)


#: Expressions over integers x, y in [-3, 3], with a plain-Python reference for each (nothing is eval-ed).
NONSMOOTH_CASES: dict[str, Any] = {
    "abs(x - y)": lambda x, y: abs(x - y),
    "max(x, 2 * y - 1)": lambda x, y: max(x, 2 * y - 1),
    "min(x + 1, -y)": lambda x, y: min(x + 1, -y),
    "abs(x) + abs(y)": lambda x, y: abs(x) + abs(y),
    "max(abs(x), y)": lambda x, y: max(abs(x), y),
    "-min(x, y)": lambda x, y: -min(x, y),
    "2 * max(x, y) - abs(x + y)": lambda x, y: 2 * max(x, y) - abs(x + y),
    "min(abs(x - 1), 3 - y) * -1": lambda x, y: -min(abs(x - 1), 3 - y),
}
GRID = list(itertools.product(range(-3, 4), repeat=2))
INTEGER_XY = {t: {"type": "integer", "lb": -3, "ub": 3} for t in ("x", "y")}


@pytest.mark.parametrize("case", range(24))
def test_abs_min_max_constraints_match_enumeration(case: int) -> None:
    """Every expression in <=, >= and == rows: the model's optimum equals brute force over 49 points."""
    rng = random.Random(case)
    expression = list(NONSMOOTH_CASES)[case % len(NONSMOOTH_CASES)]
    relation = ("<=", ">=", "==")[case % 3]
    rhs, cx, cy = rng.randint(-2, 3), rng.randint(-2, 2), rng.randint(-2, 2)
    sense = rng.choice(["min", "max"])
    compiled = build(
        {
            "parameters": {"k": rhs},
            "variables": INTEGER_XY,
            "objective": {"sense": sense, "expression": f"{cx} * x + {cy} * y + 0.001 * x"},
            "constraints": {"c": {"expression": f"{expression} {relation} k"}},
        }
    )
    reference = NONSMOOTH_CASES[expression]
    holds = {"<=": lambda v: v <= rhs, ">=": lambda v: v >= rhs, "==": lambda v: v == rhs}[relation]
    feasible = [cx * x + cy * y + 0.001 * x for x, y in GRID if holds(reference(x, y))]
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model, load_solutions=False)
    if not feasible:
        assert "infeasible" in str(result.solver.termination_condition)
        return
    assert str(result.solver.termination_condition) == "optimal"
    compiled.model.solutions.load_from(result)
    expected = min(feasible) if sense == "min" else max(feasible)
    assert compiled.objective_value() == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("expression", list(NONSMOOTH_CASES))
@pytest.mark.parametrize("sense", ["min", "max"])
def test_abs_min_max_objectives_match_enumeration(expression: str, sense: str) -> None:
    compiled = build(
        {
            "variables": INTEGER_XY,
            "objective": {"sense": sense, "expression": f"{expression} + 0.01 * x"},
        }
    )
    values = [NONSMOOTH_CASES[expression](x, y) + 0.01 * x for x, y in GRID]
    assert solve(compiled) == pytest.approx(min(values) if sense == "min" else max(values))


# --- nonlinear --------------------------------------------------------------------------------------
def test_nonlinear_functions_compile_to_pyomo_functions() -> None:
    compiled = build(
        {
            "sets": {"I": [1, 2]},
            "parameters": {"w": {"index": ["I"], "values": [2, 3]}},
            "variables": {"x": {"index": ["I"], "lb": 0.1}},
            "objective": {
                "sense": "min",
                "expression": "sum(w[i] * exp(x[i]) + log(x[i]) ** 2 for i in I) + sqrt(x[1] * x[2])",
            },
            "constraints": {"c": {"expression": "x[1] ** 2 + log10(x[2]) + sin(x[1]) <= 10"}},
        }
    )
    x = compiled.var("x")
    x[1].value, x[2].value = 0.5, 2.0
    expected = 2 * math.exp(0.5) + math.log(0.5) ** 2 + 3 * math.exp(2) + math.log(2) ** 2 + 1.0
    assert compiled.objective_value() == pytest.approx(expected)
    row = next(iter(compiled.symbols.constraints))
    assert pyo.value(row.body) == pytest.approx(0.25 + math.log10(2) + math.sin(0.5))


# --- bounds -----------------------------------------------------------------------------------------
def test_bounds_from_parameters_tables_and_index_expressions() -> None:
    compiled = build(
        {
            "sets": {"I": ["a", "b"]},
            "parameters": {"cap": {"index": ["I"], "values": [3, 4]}, "floor": -2},
            "variables": {
                "x": {"index": "i in I", "ub": "cap[i]"},
                "y": {"index": "i in I", "lb": "floor", "ub": "2 * cap[i] + 1"},
                "free": {"lb": None},
            },
            "objective": {"sense": "max", "expression": "sum(x[i] + y[i] for i in I) + 0 * free"},
        }
    )
    x, y = compiled.var("x"), compiled.var("y")
    assert (x["a"].ub, x["b"].ub) == (3, 4)
    assert (y["a"].lb, y["a"].ub, y["b"].ub) == (-2, 7, 9)
    assert compiled.var("free").lb is None
    assert solve(compiled) == pytest.approx(3 + 4 + 7 + 9)


def test_binary_with_bounds_outside_zero_one_is_rejected() -> None:
    with pytest.raises(CompileError) as caught:
        build(
            {
                "variables": {"open": {"type": "binary", "ub": 5}},
                "objective": {"sense": "max", "expression": "open"},
            }
        )
    assert caught.value.path == "variables.open.ub"
    assert "integer" in caught.value.hint


def test_crossed_bounds_are_rejected_with_the_key() -> None:
    with pytest.raises(CompileError, match="lb 5 > ub 3") as caught:
        build(
            {
                "sets": {"I": [1]},
                "variables": {"x": {"index": ["I"], "lb": 5, "ub": 3}},
                "objective": {"sense": "min", "expression": "x[1]"},
            }
        )
    assert caught.value.path == "variables.x.lb"


# --- errors -----------------------------------------------------------------------------------------
def test_reference_outside_the_index_names_the_path_and_the_member() -> None:
    with pytest.raises(CompileError) as caught:
        build(
            {
                "sets": {"T": {"range": [1, 3]}},
                "variables": {"s": {"index": ["T"]}},
                "objective": {"sense": "min", "expression": "sum(s[t] for t in T)"},
                "constraints": {"flow": {"forall": "t in T", "expression": "s[t] >= s[t - 1] + 1"}},
            }
        )
    error = caught.value
    assert error.path == "constraints.flow.expression"
    assert "0 is not a member of T" in str(error)
    assert "if" in error.hint


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [("x < 3", "<="), ("x + 1", "lhs <= rhs"), ("x >= 1 and x <= 2", "own constraint")],
)
def test_expressions_that_are_not_constraints_get_a_hint(expression: str, fragment: str) -> None:
    with pytest.raises(CompileError) as caught:
        build(
            {
                "variables": {"x": {}},
                "objective": {"sense": "min", "expression": "x"},
                "constraints": {"c": {"expression": expression}},
            }
        )
    assert caught.value.path == "constraints.c.expression"
    assert fragment in caught.value.hint


def test_constant_rows_are_skipped_when_true_and_rejected_when_false() -> None:
    document: dict[str, Any] = {
        "sets": {"I": [1, 2]},
        "parameters": {"need": {"index": ["I"], "values": [0, 3]}},
        "variables": {"x": {}},
        "objective": {"sense": "min", "expression": "x"},
        "constraints": {
            "fine": {
                "forall": "i in I",
                "expression": "sum(need[j] for j in I if j < i) + need[i] <= 5",
            },
            "real": {"expression": "x >= 1"},
        },
    }
    compiled = build(document)
    assert [name for name, _ in compiled.symbols.constraints.values()] == ["real"]
    document["constraints"]["fine"]["expression"] = "need[i] <= 2"
    with pytest.raises(CompileError, match="can never hold") as caught:
        build(document)
    assert caught.value.path == "constraints.fine.expression"
    assert "infeasible" in caught.value.hint


def test_unsafe_and_reserved_names_keep_their_formulation_names() -> None:
    compiled = build(
        {
            "variables": {"name": {"ub": 2}, "model": {"ub": 3}},
            "objective": {"sense": "max", "expression": "name + model"},
            "constraints": {"max total!": {"expression": "name + model <= 4"}},
        }
    )
    assert sorted(s for s, _ in compiled.symbols.variables.values()) == ["model", "name"]
    assert list(compiled.symbols.constraints.values()) == [("max total!", None)]
    assert compiled.model.name == "model"  # the Block attribute is untouched
    assert solve(compiled) == pytest.approx(4)


def test_data_errors_raise_formulation_error_with_issues() -> None:
    with pytest.raises(FormulationError) as caught:
        build(
            {
                "sets": {"I": [1, 2]},
                "parameters": {"c": {"index": ["I"], "values": {"1": 3}}},
                "variables": {"x": {"index": ["I"]}},
                "objective": {"sense": "min", "expression": "sum(c[i] * x[i] for i in I)"},
            }
        )
    assert caught.value.issues[0].path == "parameters.c.values"


def test_arithmetic_on_set_members_is_a_compile_error() -> None:
    with pytest.raises(CompileError) as caught:
        build(
            {
                "sets": {"I": ["a"]},
                "variables": {"x": {"index": ["I"]}},
                "objective": {"sense": "min", "expression": "sum(x[i] * i for i in I)"},
            }
        )
    assert caught.value.path == "objective.expression"


def test_constant_objective_gives_a_feasibility_model() -> None:
    compiled = build(
        {
            "variables": {"x": {"ub": 4}},
            "objective": {"sense": "min", "expression": "0"},
            "constraints": {"c": {"expression": "x >= 1"}},
        }
    )
    assert solve(compiled) == 0
    assert 1 - 1e-9 <= compiled.solution_from_model()["x"] <= 4 + 1e-9  # type: ignore[operator]


# --- the golden problems ------------------------------------------------------------------------------
GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
_MANIFEST: dict[str, Any] = (
    json.loads((GOLDEN / "manifest.json").read_text())
    if (GOLDEN / "manifest.json").exists()
    else {}
)
_LINEAR = [
    name
    for name, entry in _MANIFEST.items()
    if entry["status"] == "ok"
    and ("linear" in entry["type"] or entry["type"] in ("LP", "ILP"))
    and "nonlinear" not in entry["type"]
]


@pytest.mark.parametrize("name", _LINEAR)
def test_golden_linear_problems_compile_to_their_known_optimum(name: str) -> None:
    entry = _MANIFEST[name]
    compiled = compile_formulation(load_formulation(GOLDEN / f"{name}.json"))
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model, load_solutions=False)
    if entry["answer_status"] == "infeasible":
        assert "infeasible" in str(result.solver.termination_condition)
        return
    assert str(result.solver.termination_condition) == "optimal"
    compiled.model.solutions.load_from(result)
    assert compiled.objective_value() == pytest.approx(entry["answer"], rel=1e-6, abs=1e-6)


def test_a_bare_set_name_as_index_is_that_one_set_in_validation_and_compilation() -> None:
    from optmodel.modeling.checks.validate import validate
    from optmodel.modeling.elaborate.data import resolve_data
    from optmodel.modeling.matrix import build_matrix

    document: dict[str, Any] = {
        "sets": {"I": [1, 2, 3], "J": ["a", "b"]},
        "variables": {"x": {"index": "I", "ub": 4}, "y": {"index": "I, J", "ub": 1}},
        "objective": {
            "sense": "max",
            "expression": "sum(x[i] for i in I) + sum(y[i, j] for i in I for j in J)",
        },
    }
    formulation = Formulation.model_validate(document)
    assert formulation.variables["x"].index == ["I"]  # one reading for every stage
    assert formulation.variables["y"].index == ["I", "J"]
    assert validate(formulation) == []
    compiled = compile_formulation(formulation)
    assert list(compiled.var("x").index_set()) == [1, 2, 3]
    assert solve(compiled) == pytest.approx(3 * 4 + 6)
    fast = build_matrix(formulation, resolve_data(formulation)[0])
    assert fast.form.n_cols == 3 + 6
    # A string with 'in' stays a domain; a misspelt one names an unknown set, rejected by both paths.
    assert Formulation.model_validate({**document, "variables": {"x": {"index": "i in I"}}})
    typo = Formulation.model_validate(
        {
            **document,
            "variables": {"x": {"index": "i In I"}},
            "objective": {"sense": "max", "expression": "0"},
        }
    )
    errors = [i for i in validate(typo) if i.severity == "error"]
    assert [(i.path, "unknown set 'i In I'" in i.message) for i in errors] == [
        ("variables.x.index", True)
    ]
    with pytest.raises(CompileError, match="unknown set 'i In I'"):
        compile_formulation(typo)


def _both_paths(formulation: Formulation) -> tuple[float, float]:
    """The optimum through the matrix fast path and through the Pyomo model (each checked against the model)."""
    from optmodel.model_solver import run_formulation

    fast, reference = run_formulation(formulation), run_formulation(formulation, matrix=False)
    assert (fast.build_path, reference.build_path) == ("matrix", "pyomo")
    assert fast.ok and reference.ok, (fast.error, reference.error)
    assert fast.result is not None and reference.result is not None
    assert fast.result.objective is not None and reference.result.objective is not None
    return fast.result.objective, reference.result.objective


def _refused_everywhere(formulation: Formulation, path: str) -> tuple[str, str]:
    """Validation, compilation, the fast path and the solution check all refuse it at ``path``, alike."""
    from optmodel.modeling.checks.validate import validate
    from optmodel.modeling.elaborate.data import resolve_data
    from optmodel.modeling.matrix import NotVectorizable, build_matrix
    from optmodel.modeling.solution_check import check_solution

    errors = [i for i in validate(formulation) if i.severity == "error"]
    assert [i.path for i in errors] == [path]
    with pytest.raises(CompileError) as caught:
        compile_formulation(formulation)
    assert str(caught.value) == f"{path}: {errors[0].message}"
    assert caught.value.hint == errors[0].hint
    with pytest.raises(NotVectorizable) as declined:
        build_matrix(formulation, resolve_data(formulation)[0])
    assert str(declined.value) == str(caught.value)
    with pytest.raises(CompileError):
        check_solution(formulation, {})
    return errors[0].message, errors[0].hint


CAPPED: dict[str, Any] = {
    "sets": {"I": ["a", "b", "c"], "J": [1, 2]},
    "parameters": {
        "cap": {"index": ["I", "J"], "values": [[1, 2], [3, 4], [5, 6]]},
        "weight": {"index": ["I"], "values": [1, 2, 1]},
    },
    "variables": {"x": {"index": "i in I, j in J", "ub": "cap[i, j]"}},
    "objective": {"sense": "max", "expression": "sum(x[i, j] for i in I for j in J)"},
    "constraints": {
        "budget": {"expression": "sum(weight[i] * x[i, j] for i in I for j in J) <= 20"}
    },
}
#: Weight 1 first: all of a and c (1 + 2 + 5 + 6 = 14 at weight 1), then 6 / 2 = 3 of b.
CAPPED_OPTIMUM = 14 + 3


def test_a_list_of_domains_is_that_domain_in_every_stage() -> None:
    from optmodel.modeling.checks.validate import validate
    from optmodel.modeling.render import render_latex, render_text

    listed = {**CAPPED, "variables": {"x": {"index": ["i in I", "j in J"], "ub": "cap[i, j]"}}}
    formulation = Formulation.model_validate(listed)
    assert formulation.variables["x"].index == "i in I, j in J"  # one reading for every stage
    assert formulation.to_dict()["variables"]["x"]["index"] == "i in I, j in J"
    assert validate(formulation) == []
    assert _both_paths(formulation) == pytest.approx((CAPPED_OPTIMUM, CAPPED_OPTIMUM))
    written = Formulation.model_validate(CAPPED)
    assert render_text(formulation) == render_text(written)
    assert render_latex(formulation) == render_latex(written)
    # A list mixing a domain with set names has no one reading: refused by every stage, with the same hint.
    mixed = Formulation.model_validate(
        {**CAPPED, "variables": {"x": {"index": ["i in I", "J"], "ub": 1}}}
    )
    message, hint = _refused_everywhere(mixed, "variables.x.index")
    assert "'i in I' in a list index" in message and "one domain string" in hint
    misspelt = Formulation.model_validate(
        {**CAPPED, "variables": {"x": {"index": ["i in I", "j in JJ"], "ub": 1}}}
    )
    errors = [i for i in validate(misspelt) if i.severity == "error"]
    assert [i.path for i in errors] == ["variables.x.index"] and "'JJ'" in errors[0].message
    with pytest.raises(CompileError, match="unknown set 'JJ'"):
        compile_formulation(misspelt)


@pytest.mark.parametrize(
    ("variable", "hint"),
    [
        # The table's sets are the variable's: the hint writes the whole fix out.
        ({"index": ["I", "J"], "ub": "cap"}, '"index": "i in I, j in J", "ub": "cap[i, j]"'),
        # A table over other sets (a misread in waiting): the fix is written out with the table's sets.
        ({"index": ["I", "J"], "ub": "weight"}, '"ub": "weight[i]"'),
        ({"index": "i in I, j in J", "lb": "cap"}, '"lb": "cap[i, j]"'),
        ({"ub": "cap"}, "cap[MEMBER, ...]"),
    ],
)
def test_a_bound_naming_a_table_without_an_index_is_refused_everywhere(
    variable: dict[str, Any], hint: str
) -> None:
    objective = {"sense": "max", "expression": "0"}
    document = {**CAPPED, "variables": {"x": variable}, "objective": objective, "constraints": {}}
    field = "lb" if "lb" in variable else "ub"
    message, given = _refused_everywhere(
        Formulation.model_validate(document), f"variables.x.{field}"
    )
    table = variable[field]
    assert message == f"the bound '{field}' names the table '{table}' without an index"
    assert hint in given


def test_the_written_out_table_bound_solves_alike_and_a_misspelt_one_is_refused() -> None:
    from optmodel.modeling.checks.validate import validate

    formulation = Formulation.model_validate(CAPPED)
    assert validate(formulation) == []
    assert _both_paths(formulation) == pytest.approx((CAPPED_OPTIMUM, CAPPED_OPTIMUM))
    misspelt = Formulation.model_validate(
        {**CAPPED, "variables": {"x": {"index": "i in I, j in J", "ub": "cpa[i, j]"}}}
    )
    errors = [i for i in validate(misspelt) if i.severity == "error"]
    assert [(i.path, "unknown name 'cpa'" in i.message) for i in errors] == [
        ("variables.x.ub", True)
    ]
    with pytest.raises(CompileError, match="cpa") as caught:
        compile_formulation(misspelt)
    assert caught.value.path == "variables.x.ub"
