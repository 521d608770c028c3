"""Answer values by name: one entry, a pandas Series or DataFrame, or every variable in one long frame."""

from __future__ import annotations

import pandas as pd
import pytest

import optmodel


@pytest.fixture(scope="module")
def transport() -> optmodel.Answer:
    return optmodel.solve("examples/transportation.yaml")


def test_value_reads_scalar_and_indexed_variables() -> None:
    answer = optmodel.solve(
        {
            "sets": {"I": [1, 2]},
            "variables": {"x": {"index": ["I"], "ub": 3}, "z": {"ub": 5}},
            "objective": {"sense": "maximize", "expression": "z + sum(x[i] for i in I)"},
        }
    )

    assert answer.value("z") == 5.0
    assert answer.value("x", 2) == 3.0
    assert answer.value("x", (2,)) == 3.0  # a one-tuple is its member
    with pytest.raises(KeyError, match="is indexed; pass a key such as 1"):
        answer.value("x")
    with pytest.raises(KeyError, match="is a scalar"):
        answer.value("z", 1)
    with pytest.raises(KeyError, match="no variable named 'y'; known: x, z"):
        answer.value("y")
    with pytest.raises(KeyError, match="has no entry at 7"):
        answer.value("x", 7)


def test_two_dimensional_values_are_a_dataframe_by_set_names(transport: optmodel.Answer) -> None:
    ship = transport.values("ship")

    assert isinstance(ship, pd.DataFrame)
    assert ship.index.name == "PLANTS" and ship.columns.name == "MARKETS"
    assert ship.loc["san_diego", "new_york"] == transport.value("ship", ("san_diego", "new_york"))
    assert float(ship.to_numpy().sum()) == pytest.approx(900)


def test_one_dimensional_values_are_a_series_and_scalars_a_float() -> None:
    answer = optmodel.solve(
        {
            "sets": {"P": ["a", "b"]},
            "variables": {"make": {"index": ["P"], "ub": 2}, "total": {}},
            "objective": {"sense": "maximize", "expression": "sum(make[p] for p in P) + total"},
            "constraints": {"sum": {"expression": "total == sum(make[p] for p in P)"}},
        }
    )

    make = answer.values("make")
    assert isinstance(make, pd.Series)
    assert make.index.name == "P" and make.to_dict() == {"a": 2.0, "b": 2.0}
    assert answer.values("total") == 4.0


def test_to_pandas_lists_every_variable(transport: optmodel.Answer) -> None:
    frame = transport.to_pandas()

    assert list(frame.columns[:3]) == ["variable", "index", "value"]
    assert {"reduced_cost", "cost_range_low", "cost_range_high"} <= set(frame.columns)
    assert len(frame) == 6
    row = frame[frame["index"] == ("seattle", "chicago")].iloc[0]
    assert row["value"] == transport.value("ship", ("seattle", "chicago"))


def test_raw_values_stay_available_beside_tidy_json() -> None:
    answer = optmodel.solve(
        {
            "variables": {"x": {"ub": 0.1}, "y": {"ub": 0.2}},
            "objective": {"sense": "maximize", "expression": "x + y"},
        }
    )

    assert answer.objective == 0.1 + 0.2  # 0.30000000000000004, as the solver computed it
    assert answer.result.to_dict()["objective"] == 0.3
