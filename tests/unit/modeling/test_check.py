"""The solution checker: solver-independent evaluation of every row, bound and integrality requirement."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
import pytest

from optmodel.errors import CompileError
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.pyomo.compile import CompiledModel, compile_formulation
from optmodel.modeling.solution_check import check_solution

PLAN: dict[str, Any] = {
    "sets": {"S": ["s1", "s2"], "D": ["d1", "d2"], "T": {"range": [1, 3]}},
    "parameters": {
        "supply": {"index": ["S"], "values": {"s1": 20, "s2": 30}},
        "demand": {"index": ["D"], "values": {"d1": 15, "d2": 25}},
        "cost": {"index": ["S", "D"], "values": [[2, 4], [3, 1]]},
        "init": 2,
    },
    "variables": {
        "x": {"index": ["S", "D"]},
        "trucks": {"index": ["S"], "type": "integer", "ub": 4},
        "stock": {"index": ["T"], "lb": None},
    },
    "objective": {
        "sense": "min",
        "expression": "sum(cost[s, d] * x[s, d] for s in S for d in D) + sum(7 * trucks[s] for s in S)",
    },
    "constraints": {
        "supply_limit": {"forall": "s in S", "expression": "sum(x[s, d] for d in D) <= supply[s]"},
        "meet_demand": {"forall": "d in D", "expression": "sum(x[s, d] for s in S) == demand[d]"},
        "fleet": {"forall": "s in S", "expression": "sum(x[s, d] for d in D) <= 10 * trucks[s]"},
        "carry": {
            "forall": "t in T",
            "expression": "-5 <= stock[t] - (stock[t - 1] if t > 1 else init) <= 1",
        },
    },
}


def formulation(document: dict[str, Any] = PLAN) -> Formulation:
    return Formulation.model_validate(document)


def solved_values() -> tuple[dict[str, Any], float]:
    compiled = compile_formulation(formulation())
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model)
    assert str(result.solver.termination_condition) == "optimal"
    objective = compiled.objective_value()
    assert objective is not None
    return compiled.solution_from_model(), objective


def test_solver_optimum_checks_feasible_with_the_same_objective() -> None:
    values, objective = solved_values()
    report = check_solution(formulation(), values)
    assert report.feasible
    assert report.max_violation <= 1e-7
    assert report.violations == [] and report.bound_violations == []
    assert report.objective_value == pytest.approx(objective)


def test_perturbed_solution_names_the_broken_rows_and_amounts() -> None:
    values, _ = solved_values()
    values["x"][("s2", "d2")] += 3.0
    report = check_solution(formulation(), values)
    broken = {(v.constraint, v.key): v.amount for v in report.violations}
    assert broken[("meet_demand", "d2")] == pytest.approx(3.0)
    assert report.max_violation == pytest.approx(max(broken.values()))
    row = next(v for v in report.violations if v.constraint == "meet_demand")
    assert row.lhs == pytest.approx(28) and row.rhs == pytest.approx(25)
    assert row.relative == pytest.approx(3 / 28)
    assert "meet_demand[d2]" in report.summary()


def test_ranged_chain_reports_the_side_that_is_broken() -> None:
    values, _ = solved_values()
    values["stock"] = {1: 2.0, 2: 10.0, 3: 10.0}  # +8 in period 2 against an upper step of 1
    report = check_solution(formulation(), values)
    assert [(v.constraint, v.key, v.amount) for v in report.violations] == [("carry", 2, 7.0)]


def test_fractional_integer_and_bound_violations_are_reported() -> None:
    values, _ = solved_values()
    values["trucks"] = {"s1": 2.5, "s2": 5.0}
    report = check_solution(formulation(), values)
    assert [(i.variable, i.key, i.amount) for i in report.integrality_violations] == [
        ("trucks", "s1", 0.5)
    ]
    assert [(b.variable, b.key, b.bound, b.amount) for b in report.bound_violations] == [
        ("trucks", "s2", "upper", 1.0)
    ]
    assert not report.feasible and report.max_integrality_violation == 0.5
    assert report.max_violation == 1.0 and report.max_relative_violation == pytest.approx(1 / 4)


def test_tiny_solver_noise_stays_under_the_tolerance() -> None:
    values, _ = solved_values()
    values["trucks"] = {key: value + 1e-9 for key, value in values["trucks"].items()}
    report = check_solution(formulation(), values, tol=1e-6)
    assert report.feasible
    assert 0 < report.max_integrality_violation < 1e-6


def test_missing_values_are_violations_not_crashes() -> None:
    values, _ = solved_values()
    del values["x"][("s1", "d1")]
    del values["stock"]
    report = check_solution(formulation(), values)
    assert report.max_violation == math.inf and report.max_relative_violation == math.inf
    assert not report.feasible
    assert "x[s1,d1]" in report.missing and "stock[3]" in report.missing
    messages = {v.constraint: v.message for v in report.violations}
    assert "no value for x[s1,d1]" in messages["supply_limit"]
    assert math.isnan(report.objective_value)


def test_keys_as_lists_or_text_from_json_are_understood() -> None:
    solved, _ = solved_values()
    as_json = {
        "x": {tuple(k): v for k, v in solved["x"].items()},
        "trucks": solved["trucks"],
        "stock": {str(k): v for k, v in solved["stock"].items()},  # JSON object keys are text
    }
    as_json["x"] = {("s1", "d1"): as_json["x"].pop(("s1", "d1")), **as_json["x"]}
    report = check_solution(formulation(), as_json)
    assert report.feasible and not report.missing


def test_unknown_reference_in_a_constraint_is_a_compile_error() -> None:
    document = {
        "variables": {"x": {}},
        "objective": {"sense": "min", "expression": "x"},
        "constraints": {"c": {"forall": "t in T", "expression": "x >= 1"}},
    }
    with pytest.raises(CompileError) as caught:
        check_solution(formulation(document), {"x": 1.0})
    assert caught.value.path == "constraints.c.forall"


def test_undefined_function_value_at_the_point_is_a_violation() -> None:
    document = {
        "variables": {"x": {"lb": None}},
        "objective": {"sense": "min", "expression": "x"},
        "constraints": {"c": {"expression": "log(x) <= 2"}},
    }
    report = check_solution(formulation(document), {"x": -1.0})
    assert report.violations[0].amount == math.inf
    assert "log" in report.violations[0].message


def test_abs_min_max_are_checked_with_their_true_values() -> None:
    document = {
        "variables": {"x": {"lb": None}, "y": {"lb": None}},
        "objective": {"sense": "min", "expression": "abs(x) + max(x, y)"},
        "constraints": {
            "a": {"expression": "abs(x - 3) <= 1"},
            "m": {"expression": "min(x, y) >= 2"},
        },
    }
    report = check_solution(formulation(document), {"x": 1.0, "y": 5.0})
    assert {(v.constraint, v.amount) for v in report.violations} == {("a", 1.0), ("m", 1.0)}
    assert report.objective_value == 1.0 + 5.0


def _pyomo_violations(compiled: CompiledModel) -> dict[tuple[str, Any], float]:
    amounts: dict[tuple[str, Any], float] = {}
    for condata, symbol in compiled.symbols.constraints.items():
        body = pyo.value(condata.body)
        lower = -math.inf if condata.lower is None else pyo.value(condata.lower)
        upper = math.inf if condata.upper is None else pyo.value(condata.upper)
        amounts[symbol] = max(amounts.get(symbol, 0.0), lower - body, body - upper, 0.0)
    return amounts


def test_checker_agrees_with_pyomo_at_a_random_point() -> None:
    document = {
        "sets": {"I": [1, 2, 3], "PAIRS": {"from": "i in I, j in I", "where": "i < j"}},
        "parameters": {"w": {"index": ["I"], "values": [1.5, -2, 3]}},
        "variables": {"x": {"index": ["I"], "lb": 0.5, "ub": 4}, "y": {"lb": None}},
        "objective": {"sense": "min", "expression": "sum(w[i] * x[i] ** 2 for i in I) + y"},
        "constraints": {
            "pair": {"forall": "(i, j) in PAIRS", "expression": "x[i] * x[j] - y <= w[i] + w[j]"},
            "band": {"forall": "i in I", "expression": "1 <= x[i] + exp(0.1 * y) <= 3"},
            "link": {"expression": "sum(log(x[i]) for i in I) == y / 2"},
            "chain": {
                "forall": "i in I",
                "where": "i > 1",
                "expression": "x[i - 1] <= x[i] + y <= 5",
            },
        },
    }
    f = formulation(document)
    compiled = compile_formulation(f)
    rng = random.Random(7)
    for vardata in compiled.symbols.variables:
        vardata.set_value(rng.uniform(0.5, 4.0), skip_validation=True)
    pyomo_amounts = _pyomo_violations(compiled)
    report = check_solution(f, compiled.solution_from_model(), tol=0.0)
    checked = {(v.constraint, v.key): v.amount for v in report.violations}
    assert len(pyomo_amounts) == 3 + 3 + 1 + 2
    assert any(amount > 0 for amount in pyomo_amounts.values())
    for symbol, amount in pyomo_amounts.items():
        assert checked.get(symbol, 0.0) == pytest.approx(amount, abs=1e-9), symbol
    assert report.objective_value == pytest.approx(compiled.objective_value())


GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
GOLDEN_FILES = sorted(p for p in GOLDEN.glob("*.json") if p.name != "manifest.json")


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: p.stem)
def test_checker_agrees_with_pyomo_on_golden_problems_at_random_points(path: Path) -> None:
    f = load_formulation(path)
    compiled = compile_formulation(f)
    if compiled.model.component("_aux_vars") is not None or f.piecewise:
        pytest.skip("auxiliary abs/min/max and piecewise variables have no value outside a solve")
    rng = random.Random(path.stem)
    for vardata in compiled.symbols.variables:
        low = 0.1 if vardata.lb is None else max(vardata.lb, 0.1)
        high = max(low, 10.0 if vardata.ub is None else min(vardata.ub, 10.0))
        vardata.set_value(rng.uniform(low, high), skip_validation=True)
    expected = _pyomo_violations(compiled)
    report = check_solution(f, compiled.solution_from_model(), tol=0.0)
    checked = {(v.constraint, v.key): v.amount for v in report.violations}
    for symbol, amount in expected.items():
        assert checked.get(symbol, 0.0) == pytest.approx(amount, rel=1e-9, abs=1e-9), symbol
    assert report.objective_value == pytest.approx(compiled.objective_value(), rel=1e-9)
