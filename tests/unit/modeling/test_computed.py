"""Computed parameters and named expressions: evaluated once, validated, rendered, solved to known optima."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.render import render_latex, render_text

POINTS = {"a": (0, 0), "b": (3, 0), "c": (3, 4), "d": (0, 4), "e": (1, 2)}

#: A travelling-salesman tour over POINTS (MTZ subtour elimination); distances computed from coordinates.
TOUR: dict[str, Any] = {
    "sets": {"N": list(POINTS), "ARCS": {"from": "i in N, j in N", "where": "i != j"}},
    "parameters": {
        "px": {"index": ["N"], "values": [p[0] for p in POINTS.values()]},
        "py": {"index": ["N"], "values": [p[1] for p in POINTS.values()]},
        "dist": {
            "index": "i in N, j in N",
            "expression": "sqrt((px[i] - px[j])**2 + (py[i] - py[j])**2)",
        },
        "n": {"expression": "len(N)"},
    },
    "variables": {
        "x": {"index": ["ARCS"], "type": "binary"},
        "u": {"index": "i in N", "lb": 1, "ub": "n"},
    },
    "expressions": {"length": {"expression": "sum(dist[i, j] * x[i, j] for (i, j) in ARCS)"}},
    "objective": {"sense": "min", "expression": "length"},
    "constraints": {
        "leave": {"forall": "i in N", "expression": "sum(x[i, j] for j in N if j != i) == 1"},
        "enter": {"forall": "j in N", "expression": "sum(x[i, j] for i in N if i != j) == 1"},
        "order": {
            "forall": "(i, j) in ARCS",
            "where": "j != 'a'",
            "expression": "u[i] - u[j] + n * x[i, j] <= n - 1",
        },
    },
}


def shortest_tour() -> float:
    start, *rest = POINTS
    return min(
        sum(math.dist(POINTS[p], POINTS[q]) for p, q in itertools.pairwise((start, *order, start)))
        for order in itertools.permutations(rest)
    )


def test_euclidean_distances_are_computed_once_and_the_tour_is_the_shortest() -> None:
    formulation = Formulation.model_validate(TOUR)
    assert errors_only(validate(formulation)) == []
    data, _ = resolve_data(formulation)
    assert data.tables["dist"][("a", "c")] == pytest.approx(5.0)
    assert data.scalars["n"] == 5
    run = run_formulation(formulation)
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective == pytest.approx(shortest_tour())
    assert run.result.expressions["length"] == pytest.approx(shortest_tour())


def test_a_set_may_filter_on_a_computed_parameter() -> None:
    document = copy.deepcopy(TOUR)
    document["sets"]["NEAR"] = {"from": "i in N, j in N", "where": "i != j and dist[i, j] <= 3"}
    data, issues = resolve_data(Formulation.model_validate(document))
    assert errors_only(issues) == []
    near = {
        (p, q) for p in POINTS for q in POINTS if p != q and math.dist(POINTS[p], POINTS[q]) <= 3
    }
    assert set(data.sets["NEAR"]) == near and ("c", "d") in near


@pytest.mark.parametrize(
    ("definition", "path", "code"),
    [
        (
            {"index": "i in N", "expression": "u[i] + 1"},
            "parameters.bad.expression",
            IssueCode.TYPE_MISMATCH,
        ),
        ({"index": ["N"], "expression": "px[i]"}, "parameters.bad.index", IssueCode.SCHEMA),
        (
            {"index": "i in N", "expression": "px[i] / (px[i] - 3)"},
            "parameters.bad.expression",
            IssueCode.TYPE_MISMATCH,
        ),
        ({"expression": "sqrt(px['a'] - 1)"}, "parameters.bad.expression", IssueCode.TYPE_MISMATCH),
        (
            {"index": "i in N", "expression": "pz[i]"},
            "parameters.bad.expression",
            IssueCode.UNKNOWN_NAME,
        ),
        ({"expression": "bad + 1"}, "parameters.bad.expression", IssueCode.MISSING_DATA),
    ],
)
def test_a_computed_parameter_that_cannot_be_computed_is_one_issue(
    definition: dict[str, Any], path: str, code: IssueCode
) -> None:
    document = copy.deepcopy(TOUR)
    document["parameters"]["bad"] = definition
    document["objective"]["expression"] = (
        "length + 0 * bad" if "index" not in definition else "length"
    )
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [(path, code)], issues


def test_named_expressions_are_checked_like_variables() -> None:
    document = copy.deepcopy(TOUR)
    document["variables"]["u"]["ub"] = "length"
    document["constraints"]["cap"] = {"expression": "length[1] <= 100"}
    document["constraints"]["typo"] = {"expression": "lenght <= 100"}
    document["expressions"]["loop"] = {"expression": "loop + 1"}
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("variables.u.ub", IssueCode.TYPE_MISMATCH),
        ("expressions.loop.expression", IssueCode.UNSUPPORTED),
        ("constraints.cap.expression", IssueCode.INDEX_ARITY),
        ("constraints.typo.expression", IssueCode.UNKNOWN_NAME),
    ]
    assert "did you mean 'length'" in issues[-1].hint


def test_indexed_named_expression_in_constraints_solves_the_two_bin_knapsack() -> None:
    document = {
        "sets": {"I": ["a", "b", "c"], "K": [1, 2]},
        "parameters": {
            "w": {"index": ["I"], "values": [4, 3, 2]},
            "v": {"index": ["I"], "values": [10, 7, 5]},
            "cap": 5,
        },
        "variables": {"x": {"index": ["I", "K"], "type": "binary"}},
        "expressions": {
            "load": {"index": "k in K", "expression": "sum(w[i] * x[i, k] for i in I)"},
            "value": {"expression": "sum(v[i] * x[i, k] for i in I for k in K)"},
        },
        "objective": {"sense": "max", "expression": "value"},
        "constraints": {
            "fits": {"forall": "k in K", "expression": "load[k] <= cap"},
            "once": {"forall": "i in I", "expression": "sum(x[i, k] for k in K) <= 1"},
        },
    }
    run = run_formulation(Formulation.model_validate(document))
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None
    # a alone in one bin (4 kg), b and c in the other (5 kg): every item packed, value 22.
    assert run.result.objective == pytest.approx(22.0)
    assert run.result.expressions["value"] == pytest.approx(22.0)
    assert sorted(run.result.expressions["load"].values()) == pytest.approx([4.0, 5.0])
    assert {e["name"] for e in run.result.to_dict()["expressions"]} == {"load", "value"}


#: Net outflow per node, used at the source only: the source has no incoming arc, the other nodes do.
NET_FLOW: dict[str, Any] = {
    "sets": {"N": ["s", "m", "t"], "ARCS": {"members": [["s", "m"], ["m", "t"]]}},
    "parameters": {"cap": {"index": ["ARCS"], "values": [3, 2]}},
    "variables": {"flow": {"index": "(i, j) in ARCS", "ub": "cap[i, j]"}},
    "expressions": {
        "net_out": {
            "index": "n in N",
            "expression": "sum(flow[i, j] for (i, j) in ARCS if i == n)"
            " - sum(flow[i, j] for (i, j) in ARCS if j == n)",
        }
    },
    "objective": {"sense": "maximize", "expression": "net_out['s']"},
    "constraints": {"keep": {"expression": "net_out['m'] == 0"}},
}


def test_a_sum_empty_at_some_indices_of_a_named_expression_is_no_warning() -> None:
    assert validate(NET_FLOW) == []
    run = run_formulation(Formulation.model_validate(NET_FLOW))
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective == pytest.approx(2.0)  # m -> t carries 2


def test_a_sum_empty_at_every_index_is_reported_where_it_is_written() -> None:
    document = copy.deepcopy(NET_FLOW)
    net_out = document["expressions"]["net_out"]
    net_out["expression"] = net_out["expression"].replace("if j == n", "if j == n and i == j")
    [issue] = validate(document)
    assert (issue.path, issue.code) == ("expressions.net_out.expression", IssueCode.EMPTY_SUM)
    assert "i == j" in issue.message


def test_definitions_are_rendered_as_math() -> None:
    formulation = Formulation.model_validate(TOUR)
    text = render_text(formulation)
    assert "dist[i, j] = sqrt((px[i] - px[j])^2 + (py[i] - py[j])^2), for all i ∈ N, j ∈ N" in text
    assert "Expressions:\n  length = Σ_{(i, j) ∈ ARCS} dist[i, j] · x[i, j]" in text
    assert r"\mathit{length} := \sum" in render_latex(formulation)
