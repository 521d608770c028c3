"""Table layouts: a list of lists that reads both as rows and as a matrix is never guessed."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pyomo.environ as pyo
import pytest

from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.tables import DenseTable
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import IssueCode, errors_only
from optmodel.modeling.pyomo.compile import compile_formulation

#: Assignment over {1, 2, 3} x {1, 2, 3}: as a matrix the cheapest assignment costs 1 + 1 + 1 = 3.
ASSIGNMENT: dict[str, Any] = {
    "sets": {"N": [1, 2, 3]},
    "parameters": {"cost": {"index": ["N", "N"], "values": [[2, 1, 3], [1, 3, 2], [3, 2, 1]]}},
    "variables": {"x": {"index": ["N", "N"], "type": "binary"}},
    "objective": {"sense": "min", "expression": "sum(cost[i, j] * x[i, j] for i in N for j in N)"},
    "constraints": {
        "row": {"forall": "i in N", "expression": "sum(x[i, j] for j in N) == 1"},
        "col": {"forall": "j in N", "expression": "sum(x[i, j] for i in N) == 1"},
    },
}


def with_layout(layout: str | None, members: list[Any] | None = None) -> dict[str, Any]:
    document = copy.deepcopy(ASSIGNMENT)
    if layout is not None:
        document["parameters"]["cost"]["layout"] = layout
    if members is not None:
        document["sets"]["N"] = members
    return document


def test_a_table_that_reads_two_ways_is_rejected_showing_both_readings() -> None:
    issues = errors_only(validate(with_layout(None)))
    assert [(i.path, i.code) for i in issues] == [
        ("parameters.cost.values", IssueCode.AMBIGUOUS_DATA)
    ]
    message = issues[0].message
    assert "cost[1, 1] = 2" in message  # the matrix reading
    assert "cost[2, 1] = 3" in message and "cost[3, 2] = 1" in message  # the rows reading
    assert '"layout": "matrix"' in issues[0].hint


def test_declared_matrix_layout_solves_to_the_assignment_optimum() -> None:
    formulation = Formulation.model_validate(with_layout("matrix"))
    assert errors_only(validate(formulation)) == []
    compiled = compile_formulation(formulation)
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model)
    assert str(result.solver.termination_condition) == "optimal"
    assert compiled.objective_value() == pytest.approx(3.0)


def test_declared_rows_layout_reads_three_entries() -> None:
    document = with_layout("rows")
    document["parameters"]["cost"]["default"] = 10
    data, issues = resolve_data(Formulation.model_validate(document))
    assert errors_only(issues) == []
    assert data.tables["cost"] == {(2, 1): 3.0, (1, 3): 2.0, (3, 2): 1.0}


def test_a_matrix_whose_rows_cannot_be_keys_needs_no_declaration() -> None:
    data, issues = resolve_data(Formulation.model_validate(with_layout(None, ["a", "b", "c"])))
    assert issues == []
    assert data.tables["cost"][("a", "b")] == 1.0 and data.tables["cost"][("c", "c")] == 1.0


@pytest.mark.parametrize(
    ("layout", "values"),
    [("matrix", [[1, 2], [3, 4]]), ("list", [1, 2, 3]), ("rows", [[1, 2]]), ("nested", [1])],
)
def test_a_declared_layout_the_values_do_not_fit_is_an_issue(layout: str, values: Any) -> None:
    document = with_layout(layout)
    document["parameters"]["cost"]["values"] = values
    issues = errors_only(validate(document))
    assert [(i.path, i.code) for i in issues] == [("parameters.cost.values", IssueCode.SCHEMA)]
    assert f"layout '{layout}'" in issues[0].message


def _resolved_table(
    sets: dict[str, Any], param: dict[str, Any]
) -> tuple[Mapping[Any, float], list[str]]:
    document = {
        "sets": sets,
        "parameters": {"t": param},
        "variables": {"z": {}},
        "objective": {"sense": "min", "expression": "z"},
    }
    data, issues = resolve_data(Formulation.model_validate(document))
    return data.tables.get("t", {}), [f"{i.path} {i.code} {i.message}" for i in issues]


def _nested(sets: dict[str, Any], index: list[str], values: Any) -> dict[str, Any]:
    """The same table written as an object keyed by members (always read entry by entry)."""
    members = [
        [m if not isinstance(m, list) else ",".join(map(str, m)) for m in sets[s]] for s in index
    ]
    if len(index) == 1:
        return dict(zip(map(str, members[0]), values, strict=True))
    return {
        str(a): dict(zip(map(str, members[1]), row, strict=True))
        for a, row in zip(members[0], values, strict=True)
    }


@pytest.mark.parametrize(
    ("sets", "index", "values", "expected"),
    [
        # a matrix of ints and floats: keys are the members in order, every value a float
        (
            {"A": ["a", "b"], "B": [1, 2, 3]},
            ["A", "B"],
            [[1, 2.5, 3], [4, 5, 6.25]],
            {
                ("a", 1): 1.0,
                ("a", 2): 2.5,
                ("a", 3): 3.0,
                ("b", 1): 4.0,
                ("b", 2): 5.0,
                ("b", 3): 6.25,
            },
        ),
        # a list over a set of pairs: each key is the pair itself
        ({"P": [[1, 2], [2, 1]]}, ["P"], [7, 8.5], {(1, 2): 7.0, (2, 1): 8.5}),
    ],
)
def test_list_and_matrix_tables_read_the_members_in_order(
    sets: dict[str, Any], index: list[str], values: Any, expected: dict[Any, float]
) -> None:
    table, issues = _resolved_table(sets, {"index": index, "values": values})
    assert not issues
    assert table == expected
    assert list(table) == list(expected)
    assert all(type(v) is float for v in table.values())


@pytest.mark.parametrize(
    ("sets", "index", "values"),
    [
        ({"A": ["a", "b"], "B": ["x", "y"]}, ["A", "B"], [[1, 2.5], [3, -4]]),
        (
            {"A": ["a"], "B": ["x", "y"]},
            ["A", "B"],
            [[True, 2]],
        ),  # a boolean where a number belongs
        ({"A": ["a", "b"], "B": ["x", "y"]}, ["A", "B"], [[1, None], ["2", "two"]]),
        ({"A": [1, 2, 3]}, ["A"], [0.5, float("inf"), 2]),
    ],
)
def test_a_list_or_matrix_reads_as_the_same_table_written_by_key(
    sets: dict[str, Any], index: list[str], values: Any
) -> None:
    fast = _resolved_table(sets, {"index": index, "values": values})
    by_key = _resolved_table(sets, {"index": index, "values": _nested(sets, index, values)})
    assert fast == by_key


#: Media covering (golden complexor-0010): a set family and a computed parameter read the 3x3 table.
COVERING: dict[str, Any] = {
    "sets": {
        "AUD": {"range": [0, 2]},
        "MEDIA": {"range": [0, 2]},
        "REACHES": {"index": "t in AUD", "from": "m in MEDIA", "where": "incidence[t, m] == 1"},
    },
    "parameters": {
        "incidence": {"index": ["AUD", "MEDIA"], "values": [[1, 0, 1], [1, 1, 0], [0, 1, 1]]},
        "reach_count": {"index": "t in AUD", "expression": "sum(incidence[t, m] for m in MEDIA)"},
        "cost": {"index": ["MEDIA"], "values": [10, 15, 20]},
    },
    "variables": {"use": {"index": ["MEDIA"], "type": "binary"}},
    "objective": {"sense": "min", "expression": "sum(cost[m] * use[m] for m in MEDIA)"},
    "constraints": {
        "reach_all": {"forall": "t in AUD", "expression": "sum(use[m] for m in REACHES[t]) >= 1"},
        "sensible": {
            "forall": "t in AUD",
            "expression": "sum(use[m] for m in MEDIA) <= reach_count[t] + 1",
        },
    },
}


def test_what_is_built_from_an_ambiguous_table_adds_no_issue_of_its_own() -> None:
    issues = validate(COVERING)
    assert [(i.path, i.code) for i in issues] == [
        ("parameters.incidence.values", IssueCode.AMBIGUOUS_DATA)
    ]
    declared = copy.deepcopy(COVERING)
    declared["parameters"]["incidence"]["layout"] = "matrix"
    assert validate(declared) == []
    compiled = compile_formulation(Formulation.model_validate(declared))
    result = pyo.SolverFactory("appsi_highs").solve(compiled.model)
    assert str(result.solver.termination_condition) == "optimal"
    assert compiled.objective_value() == pytest.approx(25.0)  # media 0 and 1 reach everyone


@pytest.mark.parametrize(
    ("sets", "index", "values", "probes"),
    [
        (
            {"A": ["a", "b"], "B": [1, 2, 3]},
            ["A", "B"],
            [[1, 2.5, 3], [4, 5, 6.25]],
            [("a", 1.0), ("a", 4), ("c", 1), "a", ("a",), ("a", 1, 2), (("a", 1),), None],
        ),
        (
            {"P": [[1, 2], [2, 1]]},
            ["P"],
            [7, 8.5],
            [(1.0, 2), (1, 1), 1, (1, 2, 3), None],
        ),
    ],
)
def test_a_complete_list_or_matrix_is_held_as_an_array_and_looks_up_like_a_dict(
    sets: dict[str, Any], index: list[str], values: Any, probes: list[Any]
) -> None:
    table, issues = _resolved_table(sets, {"index": index, "values": values})
    assert not issues and isinstance(table, DenseTable)
    eager = dict(table.items())
    assert len(table) == len(eager) and table.array.tolist() == list(eager.values())
    for key in [*eager, *probes]:
        assert (key in table) == (key in eager)
        assert table.get(key) == eager.get(key)
        if key not in eager:
            with pytest.raises(KeyError):
                table[key]


def test_a_set_listing_a_member_twice_is_reported_and_kept_once_in_first_order() -> None:
    document = {
        "sets": {"A": ["b", "a", "b", "c"], "P": [[1, 2], [2, 1], [1, 2]]},
        "variables": {"z": {}},
        "objective": {"sense": "min", "expression": "z"},
    }
    data, issues = resolve_data(Formulation.model_validate(document))
    assert [(i.path, i.code) for i in issues] == [
        ("sets.A", IssueCode.DUPLICATE_NAME),
        ("sets.P", IssueCode.DUPLICATE_NAME),
    ]
    assert data.sets == {"A": ["b", "a", "c"], "P": [(1, 2), (2, 1)]}
    assert [data.position("A", m) for m in ("b", "a", "c", "d")] == [0, 1, 2, None]
    assert data.contains("P", (2, 1)) and not data.contains("P", (2, 2))
