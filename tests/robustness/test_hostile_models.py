"""Property tests over hostile Formulations: every one ends as a result or a clean error, never a traceback,
never a silent wrong answer. Hypothesis is derandomised in CI (tests/conftest.py)."""

from __future__ import annotations

import copy
import math
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optmodel
from optmodel.errors import OptmodelError

BASE: dict[str, Any] = {
    "sets": {"P": ["a", "b"]},
    "parameters": {
        "profit": {"index": ["P"], "values": {"a": 3, "b": 5}},
        "cap": 10,
    },
    "variables": {"make": {"index": ["P"], "ub": 8}},
    "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in P)"},
    "constraints": {"limit": {"expression": "sum(make[p] for p in P) <= cap"}},
}
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(BASE)


def _replace(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    target: Any = mutated
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return mutated


_DELETE = object()


def _outcome(model: dict[str, Any]) -> str:
    """'rejected' or 'solved'; anything else (a traceback) fails the test."""
    issues = optmodel.validate(model)  # never raises
    assert all(i.code.value != "unsupported" for i in issues), [str(i) for i in issues]
    try:
        answer = optmodel.solve(model)
    except OptmodelError:
        return "rejected"
    if answer.objective is not None:
        assert math.isfinite(answer.objective)
    return "solved"


@FAST
@given(st.sampled_from(PATHS), json_values | st.just(_DELETE))
def test_mutated_formulations_end_cleanly(path: tuple[Any, ...], value: Any) -> None:
    _outcome(_replace(BASE, path, value))


@FAST
@given(
    st.sampled_from(["cap", "profit"]),
    st.floats(min_value=1e15 * 1.0001, max_value=1e308) | st.just(math.inf) | st.just(math.nan),
    st.booleans(),
)
def test_huge_numbers_are_issues_and_never_optimal_infinity(
    name: str, magnitude: float, negative: bool
) -> None:
    value = -magnitude if negative else magnitude
    if name == "cap":
        model = _replace(BASE, ("parameters", "cap"), value)
    else:
        model = _replace(BASE, ("parameters", "profit", "values", "a"), value)
    assert any(i.severity.value == "error" for i in optmodel.validate(model))
    assert _outcome(model) == "rejected"


#: Characters Python's parser rewrites to other identifier characters ('ｃ' -> 'c', 'Ⅰ' -> 'I', 'ﬁ' -> 'fi').
LOOK_ALIKES = [
    c
    for c in map(chr, range(0xA0, 0x10000))
    if c.isidentifier()
    and unicodedata.normalize("NFKC", c) not in (c, "")
    and unicodedata.normalize("NFKC", c).isidentifier()
]


@FAST
@given(st.lists(st.sampled_from(LOOK_ALIKES), min_size=1, max_size=3).map("".join))
def test_look_alike_names_never_collapse(look_alike: str) -> None:
    plain = unicodedata.normalize("NFKC", look_alike)
    if not plain.isidentifier() or plain in ("cap", "profit", "make", "P", "p", "inf"):
        return
    # Both names declared: the expression names the look-alike whose bound is 1; 'cap' is 10 elsewhere.
    model = _replace(BASE, ("parameters",), {**BASE["parameters"], plain: 10, look_alike: 1})
    model["constraints"]["limit"]["expression"] = f"sum(make[p] for p in P) <= {look_alike}"
    assert _outcome(model) == "rejected"  # before the fix: solved against the other name's value


hostile_expressions = st.one_of(
    st.integers(2, 9).map(lambda b: f"{b}" + f"**{b}" * 5),
    st.integers(200, 3000).map(lambda n: "-" * n + "make['a']"),
    st.integers(100, 600).map(lambda n: "(" * n + "make['a']" + ")" * n),
    st.integers(2, 6).map(
        lambda n: "sum(1 " + " ".join(f"for i{k} in BIG" for k in range(n)) + ")"
    ),
    st.integers(4300, 9000).map(lambda n: "9" * n),
    st.text(max_size=40),
)


@FAST
@given(hostile_expressions, st.sampled_from(["objective", "constraint", "bound"]))
def test_hostile_expressions_end_cleanly(expression: str, where: str) -> None:
    model = copy.deepcopy(BASE)
    model["sets"]["BIG"] = {"range": [1, 100_000]}
    if where == "objective":
        model["objective"]["expression"] = expression
    elif where == "constraint":
        model["constraints"]["limit"]["expression"] = f"{expression} <= cap"
    else:
        model["variables"]["make"]["ub"] = expression
    _outcome(model)


@FAST
@given(st.integers(9, 14), st.integers(5, 10))  # 5**9 > the million values allowed
def test_yaml_alias_bombs_are_refused(levels: int, width: int) -> None:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    issues = optmodel.validate("\n".join(lines) + "\n")
    assert [i.code.value for i in issues] == ["schema"]
    assert "aliases" in issues[0].message
