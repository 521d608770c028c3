"""Logical constraints through Pyomo's GDP: implications, either-or, at-least-k; bounds, never a guessed M."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from optmodel.errors import CompileError
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, Severity, errors_only
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.modeling.render import render_latex, render_text
from optmodel.modeling.solution_check import check_solution

JOBS = {"a": (3, 4), "b": (2, 2), "c": (4, 9), "d": (1, 3)}  # processing time, due date

#: One machine, total tardiness: every pair of jobs runs one before the other (a disjunction).
MACHINE: dict[str, Any] = {
    "sets": {"J": list(JOBS), "PAIRS": {"from": "j in J, k in J", "where": "j < k"}},
    "parameters": {
        "p": {"index": ["J"], "values": [t for t, _ in JOBS.values()]},
        "due": {"index": ["J"], "values": [d for _, d in JOBS.values()]},
        "horizon": {"expression": "sum(p[j] for j in J)"},
    },
    "variables": {
        "start": {"index": "j in J", "ub": "horizon"},
        "late": {"index": ["J"], "ub": "horizon"},
    },
    "objective": {"sense": "min", "expression": "sum(late[j] for j in J)"},
    "constraints": {
        "tardiness": {"forall": "j in J", "expression": "late[j] >= start[j] + p[j] - due[j]"}
    },
    "logic": {
        "one_at_a_time": {
            "forall": "(j, k) in PAIRS",
            "either": ["start[j] + p[j] <= start[k]", "start[k] + p[k] <= start[j]"],
        }
    },
}

SITES = {1: (10, 5), 2: (4, 3), 3: (6, 4)}  # fixed cost, capacity

#: Open sites to ship 7 units; a closed site ships nothing, an open one at most its capacity.
SITING: dict[str, Any] = {
    "sets": {"I": list(SITES)},
    "parameters": {
        "fixed": {"index": ["I"], "values": [f for f, _ in SITES.values()]},
        "cap": {"index": ["I"], "values": [c for _, c in SITES.values()]},
        "need": 7,
    },
    "variables": {"open": {"index": ["I"], "type": "binary"}, "ship": {"index": ["I"], "ub": 100}},
    "objective": {"sense": "min", "expression": "sum(fixed[i] * open[i] + ship[i] for i in I)"},
    "constraints": {"meet": {"expression": "sum(ship[i] for i in I) >= need"}},
    "logic": {
        "closed_ships_nothing": {
            "forall": "i in I",
            "if": "open[i] == 0",
            "then": "ship[i] <= 0",
            "else": "ship[i] <= cap[i]",
        }
    },
}


def least_tardiness() -> float:
    best = float("inf")
    for order in itertools.permutations(JOBS):
        clock, total = 0, 0
        for job in order:
            clock += JOBS[job][0]
            total += max(0, clock - JOBS[job][1])
        best = min(best, total)
    return best


def cheapest_siting() -> float:
    best = float("inf")
    for chosen in itertools.product((0, 1), repeat=len(SITES)):
        room = sum(SITES[i][1] for i, on in zip(SITES, chosen, strict=True) if on)
        if room >= 7:
            best = min(
                best, 7 + sum(SITES[i][0] for i, on in zip(SITES, chosen, strict=True) if on)
            )
    return best


def solve(document: dict[str, Any]) -> float:
    formulation = Formulation.model_validate(document)
    assert errors_only(validate(formulation)) == []
    run = run_formulation(formulation)
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective is not None
    return run.result.objective


@pytest.mark.parametrize("method", ["bigm", "hull"])
def test_machine_scheduling_with_either_or_reaches_the_best_sequence(method: str) -> None:
    document = copy.deepcopy(MACHINE)
    document["logic"]["one_at_a_time"]["method"] = method
    assert solve(document) == pytest.approx(least_tardiness())


@pytest.mark.parametrize("method", ["bigm", "hull"])
def test_implication_with_else_reaches_the_cheapest_siting(method: str) -> None:
    document = copy.deepcopy(SITING)
    document["logic"]["closed_ships_nothing"]["method"] = method
    assert solve(document) == pytest.approx(cheapest_siting())


def test_at_least_two_of_three_relations() -> None:
    document = {
        "variables": {name: {"ub": 10} for name in ("x", "y", "z")},
        "objective": {"sense": "max", "expression": "x + y + z"},
        "logic": {"two_of": {"either": ["x <= 1", "y <= 2", "z <= 3"], "at_least": 2}},
    }
    # Keeping y <= 2 and z <= 3 and letting x reach 10 is best: 15.
    assert solve(document) == pytest.approx(15.0)


def test_a_missing_bound_names_the_variable_in_validation_and_compile() -> None:
    document = copy.deepcopy(SITING)
    del document["variables"]["ship"]["ub"]
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("logic.closed_ships_nothing", IssueCode.MISSING_BOUND)
    ]
    assert "'ship'" in issues[0].message and '"ub"' in issues[0].hint
    with pytest.raises(CompileError, match=r"ship\[1\] has no upper bound"):
        compile_formulation(Formulation.model_validate(document))


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"if": "ship[i]"}, "logic.closed_ships_nothing.if", IssueCode.TYPE_MISMATCH),
        ({"if": "cap[i] > 3"}, "logic.closed_ships_nothing.if", IssueCode.TYPE_MISMATCH),
        (
            {"either": ["ship[i] <= 1", "ship[i] >= 3"]},
            "logic.closed_ships_nothing",
            IssueCode.SCHEMA,
        ),
        ({"then": "ship[i] < 1"}, "logic.closed_ships_nothing.then", IssueCode.STRICT_INEQUALITY),
        ({"else": "shp[i] <= 1"}, "logic.closed_ships_nothing.else", IssueCode.UNKNOWN_NAME),
    ],
)
def test_malformed_logic_is_one_issue(change: dict[str, Any], path: str, code: IssueCode) -> None:
    document = copy.deepcopy(SITING)
    document["logic"]["closed_ships_nothing"].update(change)
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [(path, code)]


def test_a_hand_written_big_m_below_the_bound_is_a_warning() -> None:
    document: dict[str, Any] = {
        "sets": {"I": [1, 2]},
        "parameters": {"M": 50, "cap": {"index": ["I"], "values": [80, 30]}},
        "variables": {
            "use": {"index": ["I"], "type": "binary"},
            "x": {"index": "i in I", "ub": "cap[i]"},
        },
        "objective": {"sense": "max", "expression": "sum(x[i] - 3 * use[i] for i in I)"},
        "constraints": {"link": {"forall": "i in I", "expression": "x[i] <= M * use[i]"}},
    }
    warnings = [i for i in validate(document) if i.code is IssueCode.WEAK_BIG_M]
    assert [(i.path, i.severity) for i in warnings] == [
        ("constraints.link.expression", Severity.WARNING)
    ]
    assert "i=1" in warnings[0].message and "30" in warnings[0].hint  # x[1] may reach 80 > 50
    document["parameters"]["M"] = 80
    assert not [i for i in validate(document) if i.code is IssueCode.WEAK_BIG_M]
    # A literal in the relaxing form s + 10 <= t + 60 * (1 - z) is a big-M too: s may reach 100, t be 0.
    document["variables"] |= {"s": {"ub": 100}, "t": {"ub": 100}, "z": {"type": "binary"}}
    document["constraints"]["order"] = {"expression": "s + 10 <= t + 60 * (1 - z)"}
    document["objective"]["expression"] += " + s + t + z"
    warned = [i.path for i in validate(document) if i.code is IssueCode.WEAK_BIG_M]
    assert warned == ["constraints.order.expression"]
    # A stated capacity such as 50 * use[i] is not read as a big-M.
    document["constraints"]["order"]["expression"] = "s + 10 <= t + 110 * (1 - z)"
    document["constraints"]["link"]["expression"] = "x[i] <= 50 * use[i]"
    assert not [i for i in validate(document) if i.code is IssueCode.WEAK_BIG_M]


def test_the_checker_judges_logic_at_the_solution() -> None:
    formulation = Formulation.model_validate(SITING)
    good = check_solution(formulation, {"open": {1: 0, 2: 1, 3: 1}, "ship": {1: 0, 2: 3, 3: 4}})
    assert good.feasible
    bad = check_solution(formulation, {"open": {1: 0, 2: 1, 3: 1}, "ship": {1: 2, 2: 3, 3: 2}})
    assert [(v.constraint, v.key, v.amount) for v in bad.violations] == [
        ("closed_ships_nothing", 1, 2.0)
    ]


def test_logic_is_rendered() -> None:
    text = render_text(Formulation.model_validate(SITING))
    assert (
        "closed_ships_nothing: for all i ∈ I: if open[i] = 0 then ship[i] ≤ 0 else ship[i] ≤ cap[i]"
        in text
    )
    assert r"\Rightarrow" in render_latex(Formulation.model_validate(SITING))
    assert "(start[j] + p[j] ≤ start[k]) or (start[k] + p[k] ≤ start[j])" in render_text(
        Formulation.model_validate(MACHINE)
    )


#: An opened line must carry at least a million units; as a row and as an implication.
LARGE: dict[str, Any] = {
    "variables": {"b": {"type": "binary"}, "x": {"ub": 2e6}},
    "objective": {"sense": "min", "expression": "x + 5 * b"},
    "constraints": {"open": {"expression": "b >= 1"}},
    "logic": {"carry": {"if": "b", "then": "x >= 1000000"}},
}


@pytest.mark.parametrize(
    ("x", "relative"), [(999_999, 1e-6), (500_000, 0.5)], ids=["solver-slack", "violated"]
)
def test_logic_is_judged_relative_to_its_sides_like_the_equivalent_row(
    x: float, relative: float
) -> None:
    as_logic = Formulation.model_validate(LARGE)
    as_row = Formulation.model_validate(
        {
            **LARGE,
            "logic": {},
            "constraints": {**LARGE["constraints"], "carry": {"expression": "x >= 1000000 * b"}},
        }
    )
    solution = {"b": 1, "x": x}
    logic_report, row_report = check_solution(as_logic, solution), check_solution(as_row, solution)
    assert logic_report.max_relative_violation == pytest.approx(relative)
    assert row_report.max_relative_violation == pytest.approx(relative)
    assert logic_report.max_violation == row_report.max_violation == pytest.approx(1e6 - x)


def test_an_inactive_implication_with_large_numbers_holds() -> None:
    report = check_solution(Formulation.model_validate(LARGE), {"b": 0, "x": 0})
    carry = [v for v in report.violations if v.constraint == "carry"]
    assert carry == [] and report.max_relative_violation == pytest.approx(1.0)  # only 'open' fails


@pytest.mark.parametrize("method", ["bigm", "hull"])
def test_an_implication_with_large_numbers_solves_and_passes_the_check(method: str) -> None:
    document = copy.deepcopy(LARGE)
    document["logic"]["carry"]["method"] = method
    assert solve(document) == pytest.approx(1_000_005, rel=1e-6)


CLASH_COST = {"a": (0, 3), "b": (0, 2), "c": (0, 4)}  # cost of placing the item in slot 1, slot 2

#: Place items in slots; two conflicting items in the same slot pay a clash of 5 (an 'and' condition).
CLASHES: dict[str, Any] = {
    "sets": {
        "ITEMS": list(CLASH_COST),
        "SLOTS": [1, 2],
        "CONFLICTS": {"members": [["a", "b"], ["b", "c"]]},
    },
    "parameters": {
        "cost": {"index": ["ITEMS", "SLOTS"], "values": [list(c) for c in CLASH_COST.values()]}
    },
    "variables": {
        "at": {"index": ["ITEMS", "SLOTS"], "type": "binary"},
        "clash": {"index": "(f, e) in CONFLICTS, g in SLOTS", "ub": 10},
    },
    "objective": {
        "sense": "min",
        "expression": "sum(cost[i, g] * at[i, g] for i in ITEMS for g in SLOTS)"
        " + sum(clash[f, e, g] for (f, e) in CONFLICTS for g in SLOTS)",
    },
    "constraints": {
        "placed": {"forall": "i in ITEMS", "expression": "sum(at[i, g] for g in SLOTS) == 1"}
    },
    "logic": {
        "apart": {
            "forall": "(f, e) in CONFLICTS, g in SLOTS",
            "if": "at[f, g] and at[e, g]",
            "then": "clash[f, e, g] >= 5",
        }
    },
}


def cheapest_placement() -> float:
    best = float("inf")
    for slots in itertools.product((1, 2), repeat=len(CLASH_COST)):
        slot = dict(zip(CLASH_COST, slots, strict=True))
        cost = sum(CLASH_COST[i][slot[i] - 1] for i in CLASH_COST)
        best = min(best, cost + 5 * sum(slot[f] == slot[e] for f, e in (("a", "b"), ("b", "c"))))
    return best


@pytest.mark.parametrize("method", ["bigm", "hull"])
def test_a_conjunction_of_binaries_in_if_solves_the_placement(method: str) -> None:
    document = copy.deepcopy(CLASHES)
    document["logic"]["apart"]["method"] = method
    assert solve(document) == pytest.approx(cheapest_placement())  # b apart from a and c: 2


def test_the_checker_judges_a_conjunction_by_all_of_its_binaries() -> None:
    formulation = Formulation.model_validate(CLASHES)
    no_clash = {("a", "b", g): 0 for g in (1, 2)} | {("b", "c", g): 0 for g in (1, 2)}
    apart = {"a": 1, "b": 2, "c": 1}
    together = {"a": 1, "b": 1, "c": 2}
    for placement, feasible in ((apart, True), (together, False)):
        at = {(i, g): int(placement[i] == g) for i in CLASH_COST for g in (1, 2)}
        report = check_solution(formulation, {"at": at, "clash": no_clash})
        assert report.feasible is feasible
    assert [(v.constraint, v.key) for v in report.violations] == [("apart", ("a", "b", 1))]


def test_an_if_with_or_or_a_continuous_variable_is_rejected() -> None:
    for condition, code in (
        ("at[f, g] or at[e, g]", IssueCode.TYPE_MISMATCH),
        ("at[f, g] and clash[f, e, g]", IssueCode.TYPE_MISMATCH),
    ):
        document = copy.deepcopy(CLASHES)
        document["logic"]["apart"]["if"] = condition
        assert [(i.path, i.code) for i in errors_only(validate(document))] == [
            ("logic.apart.if", code)
        ]
