"""Numbers too large to solve with are validation issues; a solve never reports a non-finite optimum."""

from __future__ import annotations

import math

import pytest

import optmodel
from optmodel.errors import FormulationError
from optmodel.limits import Limits, current_limits, use_limits
from optmodel.solvers.base import SolutionStatus, SolveResult, TerminationCondition


def _model(objective: str = "x", bound: str = "10", **parts: object) -> dict[str, object]:
    model: dict[str, object] = {
        "variables": {"x": {}},
        "objective": {"sense": "maximize", "expression": objective},
        "constraints": {"c": {"expression": f"x <= {bound}"}},
    }
    model.update(parts)
    return model


def _too_large(model: dict[str, object]) -> list[str]:
    return [i.path for i in optmodel.validate(model) if i.code.value == "number-too-large"]


@pytest.mark.parametrize("value", [1e20, -1e300, 1.7e308])
def test_huge_literals_data_and_bounds_are_reported(value: float) -> None:
    assert _too_large(_model(objective=f"{value!r} * x")) == ["objective.expression"]
    assert _too_large(_model(bound=repr(value))) == ["constraints.c.expression"]
    assert "parameters.a.value" in _too_large(_model(parameters={"a": value}))
    table = {"a": {"index": ["I"], "values": {"1": 1, "2": value}}}
    assert "parameters.a.values" in _too_large(_model(sets={"I": [1, 2]}, parameters=table))
    bounded = _model(variables={"x": {"ub": value, "lb": -1}})
    assert "variables.x.ub" in _too_large(bounded)
    with pytest.raises(FormulationError, match="number-too-large"):
        optmodel.solve(_model(objective=f"{value!r} * x"))


def test_computed_coefficients_are_checked_too() -> None:
    assert _too_large(_model(objective="1e10 * 1e10 * x")) == ["objective.expression"]
    named = _model(expressions={"big": {"expression": "1e20 * x"}}, objective="big")
    assert "expressions.big.expression" in _too_large(named)


def test_infinity_that_means_no_limit_is_allowed() -> None:
    answer = optmodel.solve(_model(variables={"x": {"ub": math.inf}}))
    assert answer.status == "optimal" and answer.objective == pytest.approx(10)


def test_the_limit_is_configurable() -> None:
    model = _model(bound="5e7")
    assert not _too_large(model)
    with use_limits(Limits(max_magnitude=1e6)):
        assert _too_large(model) == ["constraints.c.expression"]


def test_limits_from_the_environment_follow_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parsed OPTMODEL_LIMITS is reused while the text is the same, never after it changes, and a bad
    text fails every time (no error is kept)."""
    monkeypatch.setenv("OPTMODEL_LIMITS", "max_magnitude=1e6")
    assert current_limits().max_magnitude == 1e6
    monkeypatch.setenv("OPTMODEL_LIMITS", "max_magnitude=1e9")
    assert current_limits().max_magnitude == 1e9
    monkeypatch.setenv("OPTMODEL_LIMITS", "max_magic=1")
    for _ in range(2):
        with pytest.raises(ValueError, match="unknown limit"):
            current_limits()
    monkeypatch.delenv("OPTMODEL_LIMITS")
    assert current_limits() == Limits()


def test_limits_from_text() -> None:
    limits = Limits.from_text("max_magnitude=1e12, max_terms=2e6")
    assert (limits.max_magnitude, limits.max_terms) == (1e12, 2_000_000)
    with pytest.raises(ValueError, match="unknown limit"):
        Limits.from_text("max_magic=1")


@pytest.mark.parametrize("objective", [math.inf, -math.inf, math.nan])
def test_a_result_never_says_optimal_with_a_non_finite_objective(objective: float) -> None:
    result = SolveResult(
        TerminationCondition.OPTIMAL,
        SolutionStatus.OPTIMAL,
        "highs",
        objective,
        solution={"x": 1.0},
    )
    assert result.status is SolutionStatus.NO_SOLUTION and result.objective is None
    assert result.termination is TerminationCondition.NUMERICAL_ERROR
    assert "numerically unusable" in result.message


def test_an_integer_literal_too_long_for_a_float_is_one_clean_issue() -> None:
    issues = optmodel.validate(_model(objective="9" * 4300 + " * x"))
    assert [(i.path, i.code.value) for i in issues] == [
        ("objective.expression", "number-too-large")
    ]
    assert "an integer of about 4301 digits" in issues[0].message
