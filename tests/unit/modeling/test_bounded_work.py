"""Every input's work is bounded: sizes are estimated and refused before anything is built."""

from __future__ import annotations

import pytest

import optmodel
from optmodel.errors import FormulationError, ModelFileError
from optmodel.modeling.document_limits import DocumentTooLarge, load_json, load_yaml
from optmodel.modeling.limits import Limits, use_limits
from optmodel.modeling.load import load_formulation
from optmodel.modeling.size_estimate import size_issues


def _model(**parts: object) -> dict[str, object]:
    model: dict[str, object] = {
        "variables": {"x": {}},
        "objective": {"sense": "maximize", "expression": "x"},
        "constraints": {"c": {"expression": "x <= 1"}},
    }
    model.update(parts)
    return model


def _too_large(model: dict[str, object]) -> list[tuple[str, str]]:
    return [
        (i.path, i.message) for i in optmodel.validate(model) if i.code.value == "model-too-large"
    ]


def test_a_huge_range_is_refused_naming_the_set() -> None:
    [(path, message)] = _too_large(_model(sets={"I": {"range": [1, 10**12]}}))
    assert path == "sets.I" and "1,000,000,000,000 members" in message


def test_a_sum_over_a_huge_product_is_refused_naming_the_expression() -> None:
    model = _model(
        sets={"I": {"range": [1, 100_000]}},
        constraints={"c": {"expression": "x + sum(1 for i in I for j in I for k in I) <= 5"}},
    )
    [(path, message)] = _too_large(model)
    assert path == "constraints.c.expression"
    assert "sum(1 for i in I for j in I for k in I)" in message and "terms" in message
    with pytest.raises(FormulationError, match="model-too-large"):
        optmodel.solve(model)


def test_constraint_families_and_variables_are_counted() -> None:
    sets = {"I": {"range": [1, 100_000]}, "J": {"range": [1, 100_000]}}
    model = _model(sets=sets, variables={"x": {"index": ["I", "J"]}})
    assert (
        "variables.x",
        "variable 'x' would build about 10,000,000,000 instances, more than the 5,000,000 allowed",
    ) in _too_large(model)
    model = _model(
        sets=sets, constraints={"c": {"forall": "i in I, j in J", "expression": "x <= 1"}}
    )
    assert any(path == "constraints.c" for path, _ in _too_large(model))


def test_a_dense_table_without_default_is_refused_but_a_sparse_one_is_not() -> None:
    sets = {"I": {"range": [1, 4000]}}
    dense = {"p": {"index": ["I", "I"], "values": {}}}
    assert [p for p, _ in _too_large(_model(sets=sets, parameters=dense))] == ["parameters.p"]
    sparse = {"p": {"index": ["I", "I"], "values": {}, "default": 1}}
    assert _too_large(_model(sets=sets, parameters=sparse)) == []
    reading_all = _model(
        sets=sets,
        parameters=sparse,
        constraints={"c": {"expression": "x <= sum(p[i, j] for i in I for j in I)"}},
    )
    assert [p for p, _ in _too_large(reading_all)] == ["constraints.c.expression"]


def test_range_ends_computed_from_scalars_are_estimated() -> None:
    model = _model(
        parameters={"n": 1000},
        sets={"I": {"range": [1, "n * 1000"]}},
        constraints={"c": {"expression": "x + sum(1 for i in I for j in I) <= 5"}},
    )
    assert [p for p, _ in _too_large(model)] == ["constraints.c.expression"]


def test_compile_refuses_too_large_models_too() -> None:
    formulation = load_formulation(_model(sets={"I": {"range": [1, 10**9]}}))
    with pytest.raises(FormulationError, match="model-too-large"):
        optmodel.compile_formulation(formulation)


def test_limits_are_configurable() -> None:
    model = load_formulation(_model(sets={"I": {"range": [1, 50]}}))
    assert size_issues(model) == []
    assert [i.path for i in size_issues(model, Limits(max_set_members=10))] == ["sets.I"]
    with use_limits(Limits(max_set_members=10)):
        assert [p for p, _ in _too_large(_model(sets={"I": {"range": [1, 50]}}))] == ["sets.I"]


@pytest.mark.parametrize("expression", ["x <= 2**2**2**2**2", "x <= 9**9**9**9", "x <= 10**400"])
def test_huge_constants_are_refused_quickly(expression: str) -> None:
    issues = optmodel.validate(_model(constraints={"c": {"expression": expression}}))
    assert any(i.path == "constraints.c.expression" and i.severity.value == "error" for i in issues)


def test_deep_expressions_are_refused_cleanly() -> None:
    for expression in ("-" * 5000 + "x <= 1", "(" * 500 + "x" + ")" * 500 + " <= 1"):
        issues = optmodel.validate(_model(constraints={"c": {"expression": expression}}))
        assert [i.path for i in issues if i.severity.value == "error"] == [
            "constraints.c.expression"
        ]


def _yaml_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bombs_deep_nesting_and_cycles_are_refused() -> None:
    with pytest.raises(DocumentTooLarge, match="expand"):
        load_yaml(_yaml_bomb(9))
    with pytest.raises(DocumentTooLarge, match="refers to itself"):
        load_yaml("a: &a\n  b: *a\n")
    with pytest.raises(DocumentTooLarge, match="nested more than 100"):
        load_yaml("x: " + "[" * 2000 + "]" * 2000)
    with pytest.raises(DocumentTooLarge, match="nested more than 100"):
        load_json("[" * 100_000 + "]" * 100_000)
    assert load_yaml("a: &a [1, 2]\nb: *a\n") == {
        "a": [1, 2],
        "b": [1, 2],
    }  # plain aliases still work


def test_documents_reach_the_user_as_clean_errors() -> None:
    with pytest.raises(ModelFileError, match="aliases expand"):
        load_formulation(_yaml_bomb(9))
    nested: object = 1
    for _ in range(5000):
        nested = {"a": nested}
    issues = optmodel.validate(_model(parameters={"p": {"index": ["I"], "values": nested}}))
    assert [i.code.value for i in issues] == ["model-too-large"]
