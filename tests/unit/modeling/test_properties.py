"""Properties over generated models: valid Formulations round-trip and validate cleanly; malformed
documents of every kind come back as Issues, never as an exception or an internal error."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optmodel.modeling.checks.validate import format_issues, validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode, errors_only
from optmodel.modeling.language.load import parse_document
from optmodel.modeling.render import render_latex, render_markdown, render_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
)


@st.composite
def formulations(draw: st.DrawFn) -> Formulation:
    """A valid model built from small random pieces: sets (members, ranges, a filtered set of pairs),
    scalar and table parameters, variables with consistent bounds (numbers or expressions over their
    index), a linear objective and constraints (plain, ranged, families over a set with a filter)."""
    sets: dict[str, Any] = {}
    for k in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            sets[f"S{k}"] = {"range": [1, draw(st.integers(1, 4))]}
        else:
            member = st.text("abcxyz_", min_size=1, max_size=4)
            sets[f"S{k}"] = draw(st.lists(member, min_size=1, max_size=4, unique=True))
    base = list(sets)
    if draw(st.booleans()):  # pairs, kept by a filter that always holds
        sets["P"] = {"from": f"a in S0, b in {base[-1]}", "where": "len(S0) >= 1 or a != b"}
    parameters: dict[str, Any] = {f"p{k}": draw(numbers) for k in range(draw(st.integers(0, 2)))}
    for k in range(draw(st.integers(0, 2))):
        index = draw(st.lists(st.sampled_from(list(sets)), min_size=1, max_size=2))
        parameters[f"t{k}"] = {"index": index, "default": draw(numbers)}
    tables = {name: p["index"] for name, p in parameters.items() if isinstance(p, dict)}

    variables: dict[str, Any] = {}
    for k in range(draw(st.integers(1, 3))):
        index = draw(st.lists(st.sampled_from(list(sets)), max_size=2))
        var: dict[str, Any] = {
            "index": index,
            "type": draw(st.sampled_from(["continuous", "integer", "binary"])),
        }
        matching = [t for t, t_index in tables.items() if t_index == index == index[:1]]
        if var["type"] == "continuous" and matching and draw(st.booleans()):
            var.update(index=f"i in {index[0]}", ub=f"abs({matching[0]}[i]) + 1")
        elif var["type"] != "binary":
            low = draw(st.one_of(st.none(), st.integers(-5, 5)))
            var["lb"] = low
            if draw(st.booleans()):
                var["ub"] = (low or 0) + draw(st.integers(0, 10))
        variables[f"v{k}"] = var

    def index_sets(name: str) -> list[str]:
        index = variables[name]["index"]
        return [index.split(" in ")[1]] if isinstance(index, str) else index

    def term(name: str) -> str:
        index = index_sets(name)
        coefficients = ["1", "2.5", "-3", *(p for p in parameters if p not in tables)]
        coefficients += [t for t, t_index in tables.items() if t_index == index]
        coefficient = draw(st.sampled_from(coefficients))
        if not index:
            return f"{coefficient} * {name}"
        targets = [f"i{k}" for k in range(len(index))]
        loops = " ".join(f"for {t} in {s}" for t, s in zip(targets, index, strict=True))
        keys = ", ".join(targets)
        if index == ["P"] and draw(st.booleans()):  # unpack the pairs instead
            keys, loops = "a, b", "for (a, b) in P"
        coefficient = f"{coefficient}[{keys}]" if coefficient in tables else coefficient
        return f"sum({coefficient} * {name}[{keys}] {loops})"

    def linear() -> str:
        chosen = draw(st.lists(st.sampled_from(list(variables)), min_size=1, max_size=3))
        return " + ".join(term(v) for v in chosen)

    constraints: dict[str, Any] = {}
    for k in range(draw(st.integers(0, 3))):
        form = draw(st.sampled_from(["<=", ">=", "==", "ranged"]))
        rhs = draw(st.integers(-20, 20))
        text = (
            f"{rhs - 50} <= {linear()} <= {rhs}" if form == "ranged" else f"{linear()} {form} {rhs}"
        )
        constraint = {"expression": text}
        if draw(st.booleans()):
            constraint["forall"] = f"k in {draw(st.sampled_from(base))}"
            if draw(st.booleans()):
                constraint["where"] = "len(S0) > 0"
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


# Well-formed expressions over the model's names (and some wrong ones), so most of them parse and
# reach the name, arity, kind and data checks rather than stopping at the parser.
NAMES = ["v0", "v1", "p0", "t0", "S0", "P", "i0", "i1", "a", "b", "k", "zz", "inf"]
SETS = ["S0", "S1", "P", "v0", "Q", "p0"]
INDICES = ["i0", "i1", "a", "b", "k"]
literals = st.sampled_from(["0", "1", "-2", "2.5", "1e-3", "'a'"])
index_items = st.lists(st.sampled_from([*INDICES, "k - 1", "'a'", "1"]), min_size=1, max_size=3)


def _expressions(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    condition = st.builds(
        lambda a, op, b: f" if {a} {op} {b}", inner, st.sampled_from(["<", "==", "!="]), inner
    )
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from("+-*/"), inner),
        st.builds(lambda a: f"-{a}", inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["abs", "exp", "log", "len"]), inner),
        st.builds(
            lambda body, t, s, c: f"sum({body} for {t} in {s}{c})",
            inner,
            st.sampled_from([*INDICES, "(a, b)"]),
            st.sampled_from(SETS),
            st.one_of(st.just(""), condition),
        ),
        st.builds(lambda a, c, b: f"({a} if {c} > 0 else {b})", inner, inner, inner),
    )


expressions = st.recursive(
    literals
    | st.sampled_from(NAMES)
    | st.builds(lambda n, ix: f"{n}[{', '.join(ix)}]", st.sampled_from(NAMES), index_items),
    _expressions,
    max_leaves=6,
)
relations = (
    st.builds(
        lambda a, op, b: f"{a} {op} {b}",
        expressions,
        st.sampled_from(["<=", ">=", "==", "<", "!="]),
        expressions,
    )
    | expressions
)
domains = st.lists(
    st.builds(
        lambda t, s: f"{t} in {s}", st.sampled_from([*INDICES, "(a, b)"]), st.sampled_from(SETS)
    ),
    min_size=1,
    max_size=2,
).map(", ".join)


@SETTINGS
@given(formulations(), st.data())
def test_random_expressions_in_a_model_are_reported_not_raised(
    formulation: Formulation, data: st.DataObject
) -> None:
    document = formulation.to_dict()
    slots: list[tuple[list[Any], st.SearchStrategy[str]]] = [
        (["objective", "expression"], expressions)
    ]
    for name in document["constraints"]:
        slots += [(["constraints", name, "expression"], relations)]
        slots += [
            (["constraints", name, "forall"], domains),
            (["constraints", name, "where"], relations),
        ]
    for name in document["variables"]:
        slots += [(["variables", name, "ub"], expressions), (["variables", name, "index"], domains)]
    for _ in range(data.draw(st.integers(1, 2))):
        path, strategy = data.draw(st.sampled_from(slots))
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(strategy)
    assert_reported_cleanly(document)
    formulation, _ = parse_document(document)
    if formulation is not None:  # rendering shows any loadable model, sound or not
        for render in (render_text, render_latex, render_markdown):
            assert render(formulation) == render(formulation)
