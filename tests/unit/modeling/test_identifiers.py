"""Names are compared exactly as written: Unicode look-alikes never collapse into one name."""

from __future__ import annotations

import pytest

import optmodel
from optmodel.errors import ExpressionError, FormulationError
from optmodel.modeling.language import expressions as ex


def _model(parameters: dict[str, float], bound: str) -> dict[str, object]:
    return {
        "parameters": parameters,
        "variables": {"x": {}},
        "objective": {"sense": "maximize", "expression": "x"},
        "constraints": {"c": {"expression": f"x <= {bound}"}},
    }


@pytest.mark.parametrize(("written", "plain"), [("ｃａｐ", "cap"), ("Ⅰ", "I"), ("ﬁx", "fix")])
def test_names_equal_after_normalisation_are_an_error_naming_both(written: str, plain: str) -> None:
    model = _model({plain: 10, written: 1}, written)
    issues = optmodel.validate(model)
    clash = [i for i in issues if i.code.value == "duplicate-name"]
    assert clash and written in clash[0].message and plain in clash[0].message
    with pytest.raises(FormulationError):
        optmodel.solve(model)  # before the fix: 'optimal 10.0', the bound of the other name


def test_a_name_that_changes_under_normalisation_is_an_error_even_alone() -> None:
    issues = optmodel.validate(_model({"ｃａｐ": 3}, "ｃａｐ"))
    assert any(i.path == "parameters.ｃａｐ" and i.severity.value == "error" for i in issues)


def test_expressions_reject_names_the_parser_would_rewrite() -> None:
    with pytest.raises(ExpressionError, match="would be read as 'cap'"):
        ex.parse("x <= ｃａｐ")
    with pytest.raises(ExpressionError, match="would be read as 'i'"):
        ex.parse_domain("ｉ in I")


def test_non_ascii_names_that_round_trip_are_allowed() -> None:
    answer = optmodel.solve(_model({"größe": 3, "π": 2}, "größe + π"))
    assert answer.status == "optimal" and answer.objective == pytest.approx(5)


def test_string_members_are_compared_exactly() -> None:
    model = {
        "sets": {"S": ["ｃ", "c"]},
        "parameters": {"p": {"index": ["S"], "values": {"ｃ": 1, "c": 2}}},
        "variables": {"x": {}},
        "objective": {"sense": "maximize", "expression": "x"},
        "constraints": {"c": {"expression": "x <= p['ｃ']"}},
    }
    assert optmodel.solve(model).objective == pytest.approx(1)
