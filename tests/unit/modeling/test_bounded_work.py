"""Every input's work is bounded: sizes are estimated and refused before anything is built."""

from __future__ import annotations

import pytest

import optmodel
from optmodel.errors import FormulationError, ModelFileError
from optmodel.limits import Limits, use_limits
from optmodel.model_solver import run_formulation
from optmodel.modeling.checks.size_estimate import size_issues
from optmodel.modeling.language.document_limits import DocumentTooLarge, load_json, load_yaml
from optmodel.modeling.language.load import load_formulation


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


def _network(n: int, condition: str = "i == v") -> dict[str, object]:
    """Flow balance over a ring of n nodes: each node's out- and in-arcs picked from all arcs by a filter."""
    arcs = [[v, (v + 1) % n] for v in range(n)] + [[v, (v + 2) % n] for v in range(n)]
    supply = [0] * n
    supply[0], supply[n // 2] = 3, -3
    return {
        "sets": {"N": list(range(n)), "ARCS": arcs},
        "parameters": {
            "cost": {"index": ["ARCS"], "values": [1 + (k % 3) for k in range(2 * n)]},
            "supply": {"index": ["N"], "values": supply},
        },
        "variables": {"flow": {"index": ["ARCS"]}},
        "objective": {
            "sense": "min",
            "expression": "sum(cost[i, j] * flow[i, j] for (i, j) in ARCS)",
        },
        "constraints": {
            "balance": {
                "forall": "v in N",
                "expression": f"sum(flow[i, j] for (i, j) in ARCS if {condition}) "
                f"- sum(flow[i, j] for (i, j) in ARCS if {condition.replace('i', 'j')}) == supply[v]",
            }
        },
    }


#: 400 nodes, 800 arcs: filtering every arc for every node is 640,000 candidates; joining finds 1,600.
_SMALL_TERMS = Limits(max_terms=100_000)


def test_an_equality_filter_the_fast_path_joins_is_estimated_by_its_matches() -> None:
    formulation = load_formulation(_network(400))
    assert size_issues(formulation, _SMALL_TERMS, joins=True) == []
    # Every other reading (the Pyomo compiler, the interpreter) tries every arc for every node.
    assert [i.path for i in size_issues(formulation, _SMALL_TERMS)] == [
        "constraints.balance.expression"
    ]


@pytest.mark.parametrize("condition", ["i <= v and i >= v", "i == v + 0", "v == v and i == v"])
def test_filters_not_estimated_as_joins_still_count_every_candidate(condition: str) -> None:
    formulation = load_formulation(_network(400, condition))
    issues = size_issues(formulation, _SMALL_TERMS, joins=True)
    assert [i.path for i in issues] == ["constraints.balance.expression"]


def test_a_joined_network_solves_on_the_fast_path_and_the_pyomo_path_refuses_the_scan() -> None:
    with use_limits(_SMALL_TERMS):
        fast = run_formulation(load_formulation(_network(400)))
        assert fast.build_path == "matrix" and fast.stage.value == "done", fast.error
        pyomo = run_formulation(load_formulation(_network(400)), matrix=False)
    assert pyomo.stage.value == "validate"
    assert [i.code.value for i in pyomo.issues] == ["model-too-large"]
    assert fast.result is not None and fast.result.objective is not None
    # Under the default limits the Pyomo path builds it: the same answer.
    reference = run_formulation(load_formulation(_network(400)), matrix=False)
    assert reference.build_path == "pyomo" and reference.result is not None
    assert fast.result.objective == pytest.approx(reference.result.objective)
