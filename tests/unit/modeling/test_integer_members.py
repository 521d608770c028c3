"""Sets of integers (or integer tuples) held as arrays answer exactly as the hash table of members does:
which members are distinct, membership and position (for values of any kind), and the probe's equality join
visits exactly the members the first filter keeps, in set order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optmodel.modeling.checks.probe_join import equal_members
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate import integer_members
from optmodel.modeling.elaborate.evaluate import Evaluator
from optmodel.modeling.elaborate.integer_members import IntegerMembers
from optmodel.modeling.elaborate.model_data import (
    ModelData,
    normalize_member,
    normalize_members_array,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.matrix.frame import SetIndex

_INTS = st.integers(-5, 9)
_PAIRS = st.tuples(_INTS, _INTS)
#: Member lists: integers, pairs, or a mix that has no array (text, triples, huge numbers).
_MEMBERS = st.one_of(
    st.lists(_INTS, min_size=1, max_size=30),
    st.lists(_PAIRS, min_size=1, max_size=30),
    st.lists(st.one_of(_PAIRS, st.tuples(_INTS, _INTS, _INTS)), min_size=1, max_size=10),
    st.lists(st.one_of(_INTS, st.sampled_from(["a", "b"])), min_size=1, max_size=10),
    st.lists(st.sampled_from([2**70, -(2**70), 0, 5]), min_size=1, max_size=6),
    st.lists(st.tuples(st.sampled_from([2**40, -(2**40), 3]), _INTS), min_size=1, max_size=8),
)
#: Values looked up: members' kinds, their equal floats and bools, text, other tuples, unhashable lists.
_VALUES = st.one_of(
    _INTS,
    _PAIRS,
    st.tuples(_INTS, _INTS, _INTS),
    st.tuples(_INTS),
    st.just(()),
    st.integers(-10, 12).map(float),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from(["a", "1", ("a", 1), (1, "a"), (1.0, 2), (True, 0), ((1, 2), 3), 2**70]),
    st.lists(_INTS, max_size=2),
    st.tuples(_INTS, st.lists(_INTS, max_size=1)),
)


def _reference(members: list[Any]) -> tuple[bool, list[Any], dict[Any, int]]:
    table = dict.fromkeys(members)
    kept = list(table)
    return len(kept) == len(members), kept, {m: k for k, m in enumerate(kept)}


def _answer(call: Any) -> Any:
    try:
        return call()
    except TypeError:
        return TypeError


@given(_MEMBERS, st.lists(_VALUES, max_size=25), st.booleans())
def test_membership_and_position_match_the_hash_table(
    members: list[Any], values: list[Any], few_searches: bool
) -> None:
    distinct, kept, positions = _reference(members)
    data = ModelData()
    assert data.add_set("S", list(members)) == distinct
    assert data.sets["S"] == kept
    limit = integer_members.SEARCHES_BEFORE_TABLE
    try:
        if few_searches:  # past the limit the hash table takes over: the answers stay the same
            integer_members.SEARCHES_BEFORE_TABLE = 3
        for value in [*values, *kept]:
            assert _answer(lambda v=value: data.contains("S", v)) == _answer(
                lambda v=value: v in positions
            ), value
            member = data.membership("S")  # the probe's per-variable test answers alike
            assert _answer(lambda v=value, m=member: m(v)) == _answer(
                lambda v=value: v in positions
            ), value
            try:
                expected = positions.get(value)
            except TypeError:
                expected = None
            assert data.position("S", value) == expected, value
    finally:
        integer_members.SEARCHES_BEFORE_TABLE = limit


_PART = st.one_of(_INTS, st.booleans(), st.sampled_from(["a", 2.0, 2**70]))


@given(st.lists(st.lists(_PART, min_size=1, max_size=3), min_size=1, max_size=12))
def test_members_read_from_lists_get_their_array_from_the_one_scan(values: list[Any]) -> None:
    """Reading a set's listed members builds their array in the same scan as normalising them (not a second
    scan of every part): the members, the array and the set added are what the two scans gave."""
    members, integers = normalize_members_array(values)
    assert members == [normalize_member(v) for v in values]
    reference = IntegerMembers.of(members)
    if integers is not None:
        assert reference is not None and integers.array.tolist() == reference.array.tolist()
    one, two = ModelData(), ModelData()
    assert one.add_set("S", list(members), integers) == two.add_set("S", list(members))
    assert one.sets["S"] == two.sets["S"]
    mine, theirs = one.integer_members("S"), two.integer_members("S")
    assert (mine is None) == (theirs is None)
    if mine is not None and theirs is not None:
        assert mine.array.tolist() == theirs.array.tolist() and mine.tuples == theirs.tuples


def test_sets_of_integers_are_held_as_arrays_and_others_are_not() -> None:
    data = ModelData()
    data.add_set("ARCS", [(0, 1), (0, 2), (1, 2)])
    data.add_set("N", [3, 1, 2])
    data.add_set("TEXT", ["a", "b"])
    data.add_set("MIXED", [1, "a"])
    arcs = data.integer_members("ARCS")
    assert arcs is not None and arcs.tuples and arcs.width == 2
    assert arcs.array.tolist() == [[0, 1], [0, 2], [1, 2]]
    nodes = data.integer_members("N")
    assert nodes is not None and not nodes.tuples and nodes.array.ravel().tolist() == [3, 1, 2]
    assert data.integer_members("TEXT") is None and data.integer_members("MIXED") is None
    # Bools are not integers here (True == 1 in a hash table: the table answers for them).
    assert IntegerMembers.of([True, 1]) is None
    assert IntegerMembers.of([(1, 2), (1,)]) is None and IntegerMembers.of([]) is None


@given(st.lists(_PAIRS, unique=True, min_size=1, max_size=40), st.lists(_INTS, max_size=20))
def test_the_fast_paths_set_index_joins_alike_with_and_without_the_array(
    members: list[tuple[int, int]], wanted: list[int]
) -> None:
    plain = SetIndex(list(members))
    arrayed = SetIndex(list(members), IntegerMembers.of(members))
    for component in (0, 1):
        a = plain.integer_matches(component, np.array(wanted, dtype=np.int64))
        b = arrayed.integer_matches(component, np.array(wanted, dtype=np.int64))
        assert a is not None and b is not None
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
        assert plain.values(component).tolist() == arrayed.values(component).tolist()
    assert plain.unpacks_into(2) == arrayed.unpacks_into(2) is True
    assert plain.unpacks_into(3) == arrayed.unpacks_into(3) is False


_FILTERS = ["i == n", "n == i", "j == n", "i == n + 1", "i == 2.0", "i == 'a'", "i >= n", "i == j"]


@given(
    st.lists(_PAIRS, unique=True, min_size=1, max_size=40),
    st.sampled_from(_FILTERS),
    _INTS,
)
def test_the_probe_join_visits_exactly_what_the_first_filter_keeps(
    members: list[tuple[int, int]], text: str, n: int
) -> None:
    data = ModelData()
    data.add_set("ARCS", list(members))
    clause = ex.parse_domain("(i, j) in ARCS")[0]
    condition = ex.parse(text)
    evaluator = Evaluator(data)
    env = {"n": n}
    joined = equal_members(data, clause, (condition,), env, evaluator.eval)
    kept = [m for m in members if evaluator.truth(condition, {**env, "i": m[0], "j": m[1]})]
    if joined is not None:
        assert joined == kept
    # Where it does not apply, every member is visited (and filtered) as before.
    applies = text in ("i == n", "n == i", "j == n", "i == n + 1")
    assert (joined is not None) == applies


def test_no_join_over_text_sets_families_or_whole_tuple_targets() -> None:
    data = ModelData()
    data.add_set("ARCS", [(0, 1), (1, 2)])
    data.add_set("NAMES", ["a", "b"])
    evaluator = Evaluator(data)
    whole = ex.parse_domain("a in ARCS")[0]
    names = ex.parse_domain("i in NAMES")[0]
    for clause, text in ((whole, "a == n"), (names, "i == n")):
        assert equal_members(data, clause, (ex.parse(text),), {"n": 0}, evaluator.eval) is None


def _network(nodes: int, zero_at: int) -> Formulation:
    arcs = [[i, (i + k) % nodes] for i in range(nodes) for k in (1, 2, 3)]
    return Formulation.model_validate(
        {
            "sets": {"N": {"range": [0, nodes - 1]}, "ARCS": {"members": arcs}},
            "parameters": {
                "w": {"index": ["N"], "values": [0 if i == zero_at else 1 for i in range(nodes)]},
                "supply": {"index": ["N"], "values": [0] * nodes},
            },
            "variables": {"flow": {"index": ["ARCS"]}},
            "objective": {"sense": "min", "expression": "sum(flow[i, j] for (i, j) in ARCS)"},
            "constraints": {
                "balance": {
                    "forall": "n in N",
                    "expression": "sum(flow[i, j] / w[n] for (i, j) in ARCS if i == n) "
                    "- sum(flow[i, j] for (i, j) in ARCS if j == n) == supply[n]",
                }
            },
        }
    )


@pytest.mark.parametrize("zero_at", [0, 150])
def test_validation_reaches_nodes_past_the_first_on_a_large_network(zero_at: int) -> None:
    """With 12,000 arcs a scan of every arc for each node's filter would spend the probe's budget on the
    first two nodes; through the join it reaches node 150's division by zero."""
    issues = validate(_network(4000, zero_at))
    found = [i for i in issues if "division by zero" in i.message]
    assert found and found[0].path == "constraints.balance.expression", issues
    assert f"n={zero_at}" in found[0].message
