"""Results named block by block (the matrix fast path) read exactly as the eager name-keyed dicts did."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from optmodel.model_solver import run_formulation
from optmodel.modeling.language.ir import Formulation
from optmodel.solvers.base import SolveOptions, entries
from optmodel.standard_form.labels import KeyedValues, by_symbol, by_symbols, solution_values
from optmodel.symbols import SelfSymbols, SymbolBlocks, SymbolMap

BLOCKS: list[tuple[str, list[Any]]] = [
    ("x", [("a", 1), ("a", 2), ("b", 1)]),
    ("z", [None]),
    ("empty", []),
    ("y", ["p", "q"]),
]


def test_blocks_read_like_the_list_of_symbols() -> None:
    blocks = SymbolBlocks(BLOCKS)
    flat = [(name, key) for name, keys in BLOCKS for key in keys]
    assert list(blocks) == flat
    assert len(blocks) == len(flat)
    assert [blocks[i] for i in range(len(flat))] == flat
    assert blocks[-1] == flat[-1] and blocks[1:3] == flat[1:3]
    with pytest.raises(IndexError):
        blocks[len(flat)]


def test_lazy_mapping_equals_the_eager_dicts() -> None:
    blocks = SymbolBlocks(BLOCKS)
    values = np.array([1.5, -0.0 + 0.0, 3.0, 7.25, 4.0, 5.0])
    eager = by_symbol(zip(list(blocks), values.tolist(), strict=True))
    lazy = by_symbols(blocks, values)
    assert lazy == eager
    assert set(lazy) == {"x", "z", "y"}
    assert type(lazy["z"]) is float and lazy["z"] == 7.25
    x = lazy["x"]
    assert isinstance(x, KeyedValues) and len(x) == 3
    assert list(x.items()) == list(eager["x"].items())
    assert list(x.values()) == [1.5, 0.0, 3.0] and all(type(v) is float for v in x.values())
    assert x[("a", 2)] == 0.0 and type(x[("b", 1)]) is float
    assert ("a", 1) in x and ("c", 1) not in x
    assert x.get(("c", 1)) is None
    with pytest.raises(KeyError):
        x[("c", 1)]
    assert pickle.loads(pickle.dumps(lazy)) == eager
    assert repr(x) == repr(eager["x"])


def test_a_name_in_several_blocks_keeps_the_last_value_per_key() -> None:
    # A chain a <= body <= b with variables at both ends: two rows per instance under one name.
    blocks = SymbolBlocks([("c", [1, 2]), ("c", [1, 2]), ("d", [None])])
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert by_symbols(blocks, values) == by_symbol(zip(list(blocks), values, strict=True))
    assert by_symbols(blocks, np.array(values)) == {"c": {1: 3.0, 2: 4.0}, "d": 5.0}


def test_integer_columns_are_snapped_as_before() -> None:
    blocks = SymbolBlocks([("n", [0, 1, 2])])
    symbols = SymbolMap(variables=SelfSymbols(), constraints=SelfSymbols())
    integer = np.array([True, True, False])
    solved = solution_values(blocks, [2.0000001, -1e-9, 0.5000001], {}, symbols, integer)
    column = solved["n"]
    assert isinstance(column, KeyedValues)
    assert dict(column) == {0: 2.0, 1: 0.0, 2: 0.5000001}
    assert all(type(v) is float for v in column.values())


def test_the_fast_path_answers_as_the_reference_path() -> None:
    """Values, duals, slacks and reduced costs of an LP with one optimum, by both build paths."""
    formulation = Formulation.model_validate(
        {
            "sets": {"S": ["s1", "s2"], "C": ["c1", "c2", "c3"]},
            "parameters": {
                "supply": {"index": ["S"], "values": [40, 35]},
                "demand": {"index": ["C"], "values": [20, 25, 15]},
                "cost": {"index": ["S", "C"], "values": [[4, 6, 9], [5, 3, 8]]},
            },
            "variables": {"x": {"index": ["S", "C"]}, "spare": {"lb": 0, "ub": 3}},
            "objective": {
                "sense": "min",
                "expression": "sum(cost[s, c] * x[s, c] for s in S for c in C) + 2 * spare",
            },
            "constraints": {
                "supply": {
                    "forall": "s in S",
                    "expression": "sum(x[s, c] for c in C) <= supply[s]",
                },
                "demand": {
                    "forall": "c in C",
                    "expression": "sum(x[s, c] for s in S) >= demand[c]",
                },
                "total": {"expression": "sum(x[s, c] for s in S for c in C) + spare >= 61"},
            },
        }
    )
    options = SolveOptions(ranging=True)
    fast = run_formulation(formulation, options=options)
    reference = run_formulation(formulation, options=options, matrix=False)
    assert (fast.build_path, reference.build_path) == ("matrix", "pyomo")
    assert fast.result is not None and reference.result is not None
    assert isinstance(fast.result.solution["x"], KeyedValues)
    assert _flat(fast.result.solution) == pytest.approx(_flat(reference.result.solution))
    assert fast.result.value("x", ("s2", "c2")) == reference.result.value("x", ("s2", "c2"))
    fast_sens, reference_sens = fast.result.sensitivity, reference.result.sensitivity
    assert fast_sens is not None and reference_sens is not None
    for part in ("duals", "slacks", "reduced_costs", "cost_ranges", "rhs_ranges"):
        mine, theirs = _flat(getattr(fast_sens, part)), _flat(getattr(reference_sens, part))
        assert len(theirs) > 1 and mine == pytest.approx(theirs), part
    # The JSON output holds the same rows (the two paths order rows differently).
    payload, expected = fast.result.to_dict(), reference.result.to_dict()
    for shape in (payload, expected):
        shape["wall_time"] = 0
        for part in ("values", "constraints"):
            shape[part].sort(key=lambda row: (row["name"], str(row["index"])))
    assert payload == expected


def _flat(values: Mapping[str, Any]) -> dict[tuple[Any, ...], float]:
    """Every number of a solution-shaped mapping (ranges split into their two ends)."""
    flat: dict[tuple[Any, ...], float] = {}
    for name, key, value in entries(values):
        for end, number in enumerate(value if isinstance(value, tuple) else (value,)):
            flat[name, key, end] = number
    return flat
