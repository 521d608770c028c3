"""A variable over plain sets keeps its keys as the product of the members, made when read: it reads exactly as
the tuple of keys it stands for, and the answers keyed by it are the same."""

from __future__ import annotations

import itertools
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optmodel.model_solver import run_formulation
from optmodel.modeling.elaborate.model_data import ModelData
from optmodel.modeling.elaborate.product_keys import ProductKeys
from optmodel.modeling.elaborate.variables import variable_instances
from optmodel.modeling.language.ir import Formulation

_MEMBERS = st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "c"])), max_size=4)


@given(st.lists(_MEMBERS, min_size=2, max_size=3), st.integers(-30, 30))
def test_product_keys_read_as_the_tuple_of_the_product(lists: list[list[Any]], at: int) -> None:
    keys = ProductKeys(lists)
    expected = tuple(itertools.product(*lists))
    assert len(keys) == len(expected) and tuple(keys) == expected
    assert keys == expected and expected == keys and hash(keys) == hash(expected)
    assert keys[1:-1] == expected[1:-1] and keys[::2] == expected[::2]
    if -len(expected) <= at < len(expected):
        assert keys[at] == expected[at]
    else:
        with pytest.raises(IndexError):
            keys[at]
    assert pickle.loads(pickle.dumps(keys)) == expected
    assert keys != (*expected, ("extra",))


def test_the_keys_do_not_change_with_the_lists_they_came_from() -> None:
    first, second = ["a", "b"], [1, 2]
    keys = ProductKeys([first, second])
    first.append("c")
    assert list(keys) == [("a", 1), ("a", 2), ("b", 1), ("b", 2)]


def _transport() -> Formulation:
    return Formulation.model_validate(
        {
            "sets": {"S": ["s1", "s2"], "C": ["c1", "c2", "c3"]},
            "parameters": {
                "cost": {"index": ["S", "C"], "values": [[1, 2, 3], [3, 2, 1]]},
                "demand": {"index": ["C"], "values": [1, 2, 3]},
            },
            "variables": {"x": {"index": ["S", "C"]}},
            "objective": {
                "sense": "min",
                "expression": "sum(cost[s, c] * x[s, c] for s in S for c in C)",
            },
            "constraints": {
                "demand": {"forall": "c in C", "expression": "sum(x[s, c] for s in S) >= demand[c]"}
            },
        }
    )


def test_answers_over_product_keys_are_keyed_as_before() -> None:
    formulation = _transport()
    data = ModelData()
    data.add_set("S", ["s1", "s2"])
    data.add_set("C", ["c1", "c2", "c3"])
    inst = variable_instances("x", formulation.variables["x"], data)
    assert isinstance(inst.keys, ProductKeys)
    assert inst.keys == tuple(itertools.product(["s1", "s2"], ["c1", "c2", "c3"]))
    fast, reference = run_formulation(formulation), run_formulation(formulation, matrix=False)
    assert fast.build_path == "matrix" and reference.build_path == "pyomo"
    assert fast.result is not None and reference.result is not None
    mine, theirs = fast.result.solution["x"], reference.result.solution["x"]
    assert dict(mine) == dict(theirs) and list(mine) == list(theirs)
    assert mine["s1", "c1"] == theirs["s1", "c1"] == 1.0 and mine["s2", "c3"] == 3.0
