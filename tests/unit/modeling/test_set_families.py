"""Set families (``NB[i]``): declared per index member or computed, validated, solved, rendered."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matrix_compare import assert_same_standard_form

from optmodel.limits import Limits, use_limits
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.matrix import NotVectorizable, build_matrix
from optmodel.modeling.render import render_latex, render_text

#: Minimum dominating set of the 5-cycle: every node is chosen or has a chosen neighbour; the optimum is 2.
DOMINATING: dict[str, Any] = {
    "sets": {
        "N": {"range": [1, 5]},
        "NB": {
            "index": "N",
            "within": "N",
            "members": {"1": [2, 5], "2": [1, 3], "3": [2, 4], "4": [3, 5], "5": [4, 1]},
        },
    },
    "variables": {"x": {"index": ["N"], "type": "binary"}},
    "objective": {"sense": "min", "expression": "sum(x[i] for i in N)"},
    "constraints": {
        "cover": {"forall": "i in N", "expression": "x[i] + sum(x[j] for j in NB[i]) >= 1"}
    },
}

PX = {"a": 0, "b": 2, "c": 3, "d": 5, "e": 6, "f": 8}
PY = {"a": 0, "b": 1, "c": -1, "d": 0, "e": 2, "f": 1}
REACH = 3.0

#: Shortest a -> f path over the roads no longer than REACH: both the neighbour family and the distances are
#: computed from coordinates, and the flow variable exists only on those roads (indexed over the family).
ROUTE: dict[str, Any] = {
    "sets": {
        "N": list(PX),
        "OUT": {"index": "i in N", "from": "j in N", "where": "i != j and dist[i, j] <= reach"},
    },
    "parameters": {
        "px": {"index": ["N"], "values": list(PX.values())},
        "py": {"index": ["N"], "values": list(PY.values())},
        "reach": REACH,
        "dist": {
            "index": "i in N, j in N",
            "expression": "sqrt((px[i] - px[j])**2 + (py[i] - py[j])**2)",
        },
    },
    "variables": {"flow": {"index": "i in N, j in OUT[i]", "ub": 1}},
    "objective": {
        "sense": "min",
        "expression": "sum(dist[i, j] * flow[i, j] for i in N for j in OUT[i])",
    },
    "constraints": {
        # Roads are symmetric (i reaches n exactly when n reaches i), so OUT[n] also lists n's inflows.
        "balance": {
            "forall": "n in N",
            "expression": "sum(flow[n, j] for j in OUT[n]) - sum(flow[i, n] for i in OUT[n])"
            " == (1 if n == 'a' else (-1 if n == 'f' else 0))",
        }
    },
}


def shortest_path(source: str, target: str) -> float:
    """Floyd-Warshall over the same roads, computed here independently of the model."""
    nodes = list(PX)
    d = {
        (i, j): 0.0 if i == j else (math.dist((PX[i], PY[i]), (PX[j], PY[j])))
        for i in nodes
        for j in nodes
    }
    d = {k: v if v <= REACH else math.inf for k, v in d.items()}
    for k, i, j in itertools.product(nodes, nodes, nodes):
        d[i, j] = min(d[i, j], d[i, k] + d[k, j])
    return d[source, target]


def solve(document: dict[str, Any], **options: Any) -> float:
    run = run_formulation(Formulation.model_validate(document), **options)
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective is not None
    return run.result.objective


def test_dominating_set_over_listed_neighbours_reaches_the_known_optimum() -> None:
    assert errors_only(validate(DOMINATING)) == []
    assert solve(DOMINATING) == pytest.approx(2.0)


def test_computed_neighbours_index_a_sparse_flow_and_find_the_shortest_path() -> None:
    assert errors_only(validate(ROUTE)) == []
    data, issues = resolve_data(Formulation.model_validate(ROUTE))
    assert errors_only(issues) == []
    assert data.families["OUT"]["a"] == ["b"]  # c is sqrt(10) away from a
    expected = shortest_path("a", "f")
    assert math.isfinite(expected) and expected > math.dist((0, 0), (8, 1))  # no straight road
    assert solve(ROUTE) == pytest.approx(expected)


@pytest.mark.parametrize("document", [DOMINATING, ROUTE])
def test_the_fast_path_builds_the_reference_model_over_families(document: dict[str, Any]) -> None:
    assert_same_standard_form(Formulation.model_validate(document))
    run = run_formulation(Formulation.model_validate(document))
    assert run.build_path == "matrix" and run.ok, run.error
    assert run.result is not None
    assert run.result.objective == pytest.approx(solve(document, matrix=False))


def test_the_fast_path_declines_what_the_reference_reports() -> None:
    document = copy.deepcopy(DOMINATING)
    document["constraints"]["cover"]["expression"] = "x[i] + sum(x[j] for j in NB[i + 1]) >= 1"
    formulation = Formulation.model_validate(document)  # NB[6] does not exist
    with pytest.raises(NotVectorizable, match="outside the index of set family"):
        build_matrix(formulation, resolve_data(formulation)[0])
    assert not run_formulation(formulation).ok


def _with(document: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "where", "code"),
    [
        (["sets", "NB", "index"], "M", "sets.NB.index", IssueCode.UNKNOWN_NAME),
        (["sets", "NB", "members", "1"], [2, 9], "sets.NB.members", IssueCode.TYPE_MISMATCH),
        (["sets", "NB", "members", "7"], [1], "sets.NB.members.7", IssueCode.TYPE_MISMATCH),
        (
            ["constraints", "cover", "expression"],
            "sum(x[j] for j in NB) >= 1",
            "constraints.cover.expression",
            IssueCode.INDEX_ARITY,
        ),
        (
            ["constraints", "cover", "expression"],
            "sum(x[j] for j in N[i]) >= 1",
            "constraints.cover.expression",
            IssueCode.TYPE_MISMATCH,
        ),
        (
            ["constraints", "cover", "expression"],
            "sum(x[j] for j in NB[6]) >= 1",
            "constraints.cover.expression",
            IssueCode.TYPE_MISMATCH,
        ),
    ],
)
def test_each_mistake_is_one_issue_at_its_place(
    path: list[str], value: Any, where: str, code: IssueCode
) -> None:
    issues = errors_only(validate(_with(DOMINATING, path, value)))
    assert [(i.path, i.code) for i in issues] == [(where, code)], issues
    assert all(i.hint for i in issues)


def test_all_mistakes_are_reported_at_once() -> None:
    document = _with(DOMINATING, ["sets", "NB", "members", "1"], [2, 9])
    document["constraints"]["cover"]["expression"] = "sum(x[j] for j in NB) >= 1"
    paths = {i.path for i in errors_only(validate(document))}
    assert paths == {"sets.NB.members", "constraints.cover.expression"}


def test_a_family_past_the_size_limit_is_refused_before_filtering() -> None:
    with use_limits(Limits(max_set_members=20)):  # 6 index members x 6 candidates = 36 filter runs
        estimated = errors_only(validate(ROUTE))
        _, resolved = resolve_data(Formulation.model_validate(ROUTE))
    assert [(i.path, i.code) for i in estimated] == [("sets.OUT", IssueCode.TOO_LARGE)]
    assert "36" in estimated[0].message
    assert any(i.path == "sets.OUT.from" and "36" in i.message for i in resolved), resolved


def test_families_are_rendered_with_their_index() -> None:
    formulation = Formulation.model_validate(DOMINATING)
    text = render_text(formulation)
    assert "NB = {1: {2, 5}; 2: {1, 3}" in text
    assert "Σ_{j ∈ NB[i]} x[j]" in text
    assert r"\sum_{j \in \mathit{NB}_{i}} x_{j}" in render_latex(formulation)
    assert "{j ∈ N with" in render_text(Formulation.model_validate(ROUTE))


def test_membership_in_a_family_member_filters_a_sum() -> None:
    # Pairs of adjacent nodes both chosen are forbidden (an independent set): at most 2 of the 5-cycle.
    document = copy.deepcopy(DOMINATING)
    document["objective"] = {"sense": "max", "expression": "sum(x[i] for i in N)"}
    document["constraints"] = {
        "apart": {
            "forall": "i in N, j in N",
            "where": "j in NB[i] and i < j",
            "expression": "x[i] + x[j] <= 1",
        }
    }
    assert errors_only(validate(document)) == []
    assert solve(document) == pytest.approx(2.0)
    assert_same_standard_form(Formulation.model_validate(document))
    document["constraints"]["apart"]["where"] = "j in NB and i < j"
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("constraints.apart.where", IssueCode.INDEX_ARITY)
    ]


def test_len_of_a_family_member_counts_its_members() -> None:
    # The aggregated independent-set rows: a chosen node leaves all len(NB[i]) neighbours out.
    document = copy.deepcopy(DOMINATING)
    document["sets"]["NB"]["members"]["1"] = [2, 5, 3]  # a chord 1-3: the optimum is still 2
    document["sets"]["NB"]["members"]["3"] = [2, 4, 1]
    document["objective"] = {"sense": "max", "expression": "sum(x[i] for i in N)"}
    document["constraints"] = {
        "apart": {
            "forall": "i in N",
            "expression": "sum(x[j] for j in NB[i]) <= len(NB[i]) * (1 - x[i])",
        }
    }
    assert errors_only(validate(document)) == []
    assert solve(document) == pytest.approx(2.0)
    assert_same_standard_form(Formulation.model_validate(document))
    data, _ = resolve_data(Formulation.model_validate(document))
    assert data.families["NB"][1] == [2, 5, 3]  # as listed; the union keeps N's order
    assert data.sets["NB"] == [1, 2, 3, 4, 5]
    document["constraints"]["apart"]["expression"] = "sum(x[j] for j in NB[i]) <= len(NB)"
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("constraints.apart.expression", IssueCode.INDEX_ARITY)
    ]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.lists(st.sets(st.integers(1, 5), max_size=4), min_size=5, max_size=5),
    st.lists(st.integers(1, 9), min_size=25, max_size=25),
)
def test_random_families_build_the_reference_standard_form(
    lists: list[set[int]], costs: list[int]
) -> None:
    document = {
        "sets": {
            "N": {"range": [1, 5]},
            "NB": {
                "index": "N",
                "within": "N",
                "members": {str(i + 1): sorted(m) for i, m in enumerate(lists)},
            },
        },
        "parameters": {
            "c": {
                "index": ["N", "N"],
                "values": [costs[5 * k : 5 * k + 5] for k in range(5)],
                "layout": "matrix",
            }
        },
        "variables": {
            "x": {"index": "i in N, j in NB[i]", "ub": 3},
            "y": {"index": ["N"], "ub": 2},
        },
        "objective": {
            "sense": "max",
            "expression": "sum(c[i, j] * x[i, j] for i in N for j in NB[i]) + sum(y[i] for i in N)",
        },
        "constraints": {
            "out": {
                "forall": "i in N",
                "expression": "sum(x[i, j] for j in NB[i] if j != i) + y[i] <= 4",
            },
            "degree": {
                "forall": "i in N",
                "expression": "sum(y[j] for j in N if j in NB[i]) <= len(NB[i]) + 1",
            },
            "pair": {
                "forall": "i in N, j in NB[i]",
                "where": "j > i",
                "expression": "x[i, j] + y[j] <= 3",
            },
        },
    }
    formulation = Formulation.model_validate(document)
    assert errors_only(validate(formulation)) == []
    assert_same_standard_form(formulation)
