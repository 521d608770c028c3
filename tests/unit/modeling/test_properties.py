"""Properties over generated models: valid Formulations round-trip and validate cleanly; malformed
documents of every kind come back as Issues, never as an exception or an internal error."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optmodel.modeling.ir import Formulation
from optmodel.modeling.issues import Issue, IssueCode, errors_only
from optmodel.modeling.validate import format_issues, validate

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
)


@st.composite
def formulations(draw: st.DrawFn) -> Formulation:
    """A valid model built from small random pieces: sets, scalar and table parameters, variables with
    consistent bounds, a linear objective and constraints (some of them families over a set)."""
    sets: dict[str, Any] = {}
    for k in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            sets[f"S{k}"] = {"range": [1, draw(st.integers(1, 4))]}
        else:
            members = draw(
                st.lists(
                    st.text("abcxyz_", min_size=1, max_size=4), min_size=1, max_size=4, unique=True
                )
            )
            sets[f"S{k}"] = members
    names = list(sets)
    parameters: dict[str, Any] = {f"p{k}": draw(numbers) for k in range(draw(st.integers(0, 2)))}
    for k in range(draw(st.integers(0, 2))):
        index = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))
        parameters[f"t{k}"] = {"index": index, "default": draw(numbers)}
    variables: dict[str, Any] = {}
    for k in range(draw(st.integers(1, 3))):
        var: dict[str, Any] = {"index": draw(st.lists(st.sampled_from(names), max_size=2))}
        var["type"] = draw(st.sampled_from(["continuous", "integer", "binary"]))
        if var["type"] != "binary":
            low = draw(st.one_of(st.none(), st.integers(-5, 5)))
            var["lb"] = low
            if draw(st.booleans()):
                var["ub"] = (low or 0) + draw(st.integers(0, 10))
        variables[f"v{k}"] = var

    def term(name: str, coefficient: str) -> str:
        index = variables[name]["index"]
        if not index:
            return f"{coefficient} * {name}"
        targets = [f"i{k}" for k in range(len(index))]
        loops = " ".join(f"for {t} in {s}" for t, s in zip(targets, index, strict=True))
        return f"sum({coefficient} * {name}[{', '.join(targets)}] {loops})"

    def linear() -> str:
        chosen = draw(st.lists(st.sampled_from(list(variables)), min_size=1, max_size=3))
        coefficients = st.sampled_from(["1", "2.5", "-3", *parameters.keys() - {"t0", "t1"}])
        return " + ".join(term(v, draw(coefficients)) for v in chosen)

    constraints: dict[str, Any] = {}
    for k in range(draw(st.integers(0, 3))):
        relation = draw(st.sampled_from(["<=", ">=", "=="]))
        constraint = {"expression": f"{linear()} {relation} {draw(st.integers(-20, 20))}"}
        if draw(st.booleans()):
            constraint["forall"] = f"k in {draw(st.sampled_from(names))}"
        constraints[f"c{k}"] = constraint
    sense = draw(st.sampled_from(["minimize", "maximize"]))
    return Formulation.model_validate(
        {
            "name": draw(st.text(max_size=10)),
            "sets": sets,
            "parameters": parameters,
            "variables": variables,
            "objective": {"sense": sense, "expression": linear()},
            "constraints": constraints,
        }
    )


@SETTINGS
@given(formulations())
def test_generated_models_round_trip_through_json_and_yaml(formulation: Formulation) -> None:
    assert Formulation.model_validate_json(formulation.to_json()) == formulation
    assert Formulation.model_validate(yaml.safe_load(formulation.to_yaml())) == formulation


@SETTINGS
@given(formulations())
def test_generated_valid_models_have_no_errors(formulation: Formulation) -> None:
    issues = validate(formulation)
    assert errors_only(issues) == [], format_issues(issues)


def assert_reported_cleanly(document: Any) -> list[Issue]:
    issues = validate(document)
    assert isinstance(issues, list) and all(isinstance(i, Issue) for i in issues)
    internal = [i for i in issues if i.code is IssueCode.UNSUPPORTED]
    assert not internal, internal  # an internal error in the validator is a bug
    assert all(i.path and i.message for i in issues)
    format_issues(issues)
    return issues


json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@SETTINGS
@given(json_values)
def test_random_json_values_are_reported_not_raised(value: Any) -> None:
    issues = assert_reported_cleanly(value)
    if not isinstance(value, dict):
        assert [i.code for i in issues] == [IssueCode.SCHEMA]


@SETTINGS
@given(st.text(max_size=200))
def test_random_text_is_reported_not_raised(text: str) -> None:
    assert_reported_cleanly(text)


# Fragments an LLM might plausibly emit, so mutated expressions reach the checks behind the parser.
TOKENS = st.sampled_from(
    [
        "v0",
        "v1",
        "p0",
        "t0",
        "S0",
        "S1",
        "i0",
        "k",
        "x",
        "[",
        "]",
        "(",
        ")",
        "+",
        "-",
        "*",
        "/",
        "**",
        "sum(",
        "for",
        "in",
        "if",
        ",",
        "<=",
        ">=",
        "==",
        "<",
        "!=",
        "1",
        "0",
        "2.5",
        "'a'",
        "len(S0)",
        "and",
        "not",
        "inf",
        "max(",
        "abs(",
        "__import__",
        ".",
        "lambda",
        ":",
        "é",
        "1e400",
    ]
)
fragments = st.one_of(
    st.lists(TOKENS, min_size=1, max_size=12).map(" ".join),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for position, value in enumerate(document):
            found += paths(value, (*prefix, position))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid model's document after a few random edits: keys deleted, types changed, expressions
    spliced with random fragments, strings replaced by random unicode."""
    document = copy.deepcopy(draw(formulations()).to_dict())
    for _ in range(draw(st.integers(1, 4))):
        where = paths(document)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "splice", "fragment"]))
        current = parent[key]
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(json_values)
        elif isinstance(current, str):
            cut = draw(st.integers(0, len(current)))
            piece = draw(fragments)
            parent[key] = current[:cut] + piece + current[cut:] if action == "splice" else piece
        else:
            parent[key] = draw(fragments)
    return document


@SETTINGS
@given(mutated_documents())
def test_mutated_models_are_reported_not_raised(document: Any) -> None:
    assert_reported_cleanly(document)
    assert_reported_cleanly(json.dumps(document, allow_nan=True))
