"""Ordered sets (first/last/ord/prev/next, cyclic or not), '%' on indices, and a stated first period."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import Evaluator
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.render import render_latex, render_text

#: Winston's post-office staffing (Operations Research, ch. 3): five consecutive days on, two off, wrapping
#: around the week; the integer optimum is 23 employees.
POST_OFFICE: dict[str, Any] = {
    "sets": {"D": {"range": [0, 6]}, "K": {"range": [0, 4]}},
    "parameters": {"need": {"index": ["D"], "values": [17, 13, 15, 19, 14, 16, 11]}},
    "variables": {"start": {"index": ["D"], "type": "integer"}},
    "objective": {"sense": "min", "expression": "sum(start[d] for d in D)"},
    "constraints": {
        "cover": {"forall": "d in D", "expression": "sum(start[(d - k) % 7] for k in K) >= need[d]"}
    },
}

#: Production with stock carried over; the stock before the first period is the parameter s0.
INVENTORY: dict[str, Any] = {
    "sets": {"T": ["jan", "feb", "mar", "apr"]},
    "parameters": {
        "demand": {"index": ["T"], "values": [3, 5, 2, 6]},
        "s0": 4,
        "cap": 5,
        "hold": 0.5,
    },
    "variables": {"make": {"index": ["T"], "ub": "cap"}, "stock": {"index": ["T"]}},
    "objective": {"sense": "min", "expression": "sum(make[t] + hold * stock[t] for t in T)"},
    "constraints": {
        "balance": {
            "forall": "t in T",
            "expression": "(stock[prev(t, T)] if t != first(T) else s0) + make[t] - demand[t] == stock[t]",
        }
    },
}


def solve(document: dict[str, Any]) -> float:
    run = run_formulation(Formulation.model_validate(document))
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective is not None
    return run.result.objective


def test_cyclic_week_with_modulo_reaches_the_textbook_optimum() -> None:
    assert errors_only(validate(POST_OFFICE)) == []
    assert solve(POST_OFFICE) == pytest.approx(23.0)


def test_the_same_rota_written_with_prev_cyclic() -> None:
    document = copy.deepcopy(POST_OFFICE)
    # Days d, prev_cyclic(d), ... : the five days whose shift covers d (start on d - k for k < 5).
    document["constraints"]["cover"]["expression"] = (
        "start[d] + start[prev_cyclic(d, D)] + start[prev_cyclic(prev_cyclic(d, D), D)]"
        " + start[(d - 3) % 7] + start[(d - 4) % 7] >= need[d]"
    )
    assert solve(document) == pytest.approx(23.0)


def test_first_period_reads_the_stated_initial_stock() -> None:
    # jan uses 1 of the 4 in stock (1 left), feb makes 4, mar makes 3 to carry 1 into apr's 6 (cap 5):
    # 12 made + 0.5 * (1 + 1) held = 13.
    assert errors_only(validate(INVENTORY)) == []
    assert solve(INVENTORY) == pytest.approx(13.0)


def test_an_unguarded_prev_at_the_first_period_says_how_to_state_it() -> None:
    document = copy.deepcopy(INVENTORY)
    document["constraints"]["balance"]["expression"] = (
        "stock[prev(t, T)] + make[t] - demand[t] == stock[t]"
    )
    issues = errors_only(validate(document))
    assert [i.path for i in issues] == ["constraints.balance.expression"]
    assert "'jan' is the first member of T" in issues[0].message
    assert "if t != first(T) else s0" in issues[0].hint and "prev_cyclic" in issues[0].hint


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("first(T)", "jan"),
        ("last(T)", "apr"),
        ("ord('mar', T)", 3),
        ("next('jan', T)", "feb"),
        ("prev('feb', T)", "jan"),
        ("next_cyclic('apr', T)", "jan"),
        ("prev_cyclic('jan', T)", "apr"),
        ("len(T)", 4),
        ("(ord('apr', T) + 1) % 4", 1),
    ],
)
def test_positions_follow_the_order_members_are_written(source: str, expected: Any) -> None:
    data, _ = resolve_data(Formulation.model_validate(INVENTORY))
    assert Evaluator(data).eval(ex.parse(source), {}) == expected


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("make[first(make)] <= 1", IssueCode.TYPE_MISMATCH),  # not a set
        ("make['jan'] % 2 <= 1", IssueCode.TYPE_MISMATCH),  # '%' of a variable
        ("make[next(t, T)] <= 1", IssueCode.UNKNOWN_NAME),  # t unbound
    ],
)
def test_misused_set_functions_are_issues(expression: str, code: IssueCode) -> None:
    document = copy.deepcopy(INVENTORY)
    document["constraints"]["extra"] = {"expression": expression}
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [("constraints.extra.expression", code)]


def test_set_functions_and_modulo_render() -> None:
    formulation = Formulation.model_validate(POST_OFFICE)
    assert "start[(d - k) mod 7]" in render_text(formulation)
    assert r"\bmod 7" in render_latex(formulation)
