"""Table layouts: a list of lists that reads both as rows and as a matrix is never guessed."""

from __future__ import annotations

import copy
from typing import Any

import pyomo.environ as pyo
import pytest

from optmodel.modeling.compile import compile_formulation
from optmodel.modeling.data import resolve_data
from optmodel.modeling.ir import Formulation
from optmodel.modeling.issues import IssueCode, errors_only
from optmodel.modeling.validate import validate

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
