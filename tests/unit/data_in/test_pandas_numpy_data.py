"""pandas and numpy data in a Formulation: the same model and the same checks as plain lists and dicts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import optmodel

PLANTS = ["seattle", "san_diego"]
MARKETS = ["new_york", "chicago", "topeka"]
DISTANCE = [[2.5, 1.7, 1.8], [2.5, 1.8, 1.4]]


def transport(supply: Any, demand: Any, distance: Any, freight: Any = 90) -> dict[str, Any]:
    return {
        "sets": {"P": PLANTS, "M": MARKETS},
        "parameters": {
            "supply": supply,
            "demand": demand,
            "distance": distance,
            "freight": freight,
        },
        "variables": {"ship": {"index": ["P", "M"]}},
        "objective": {
            "sense": "minimize",
            "expression": "sum(freight * distance[p, m] / 1000 * ship[p, m] for p in P for m in M)",
        },
        "constraints": {
            "supply_limit": {
                "forall": "p in P",
                "expression": "sum(ship[p, m] for m in M) <= supply[p]",
            },
            "meet_demand": {
                "forall": "m in M",
                "expression": "sum(ship[p, m] for p in P) >= demand[m]",
            },
        },
    }


PLAIN = transport(
    {"index": ["P"], "values": [350, 600]},
    {"index": ["M"], "values": [325, 300, 275]},
    {"index": ["P", "M"], "values": DISTANCE, "layout": "matrix"},
)


@pytest.fixture(scope="module")
def expected() -> float:
    objective = optmodel.solve(PLAIN).objective
    assert objective is not None
    return objective


def test_series_dataframe_and_numpy_scalars(expected: float) -> None:
    supply = pd.Series([350, 600], index=pd.Index(PLANTS, name="P"))  # named index: the sets
    demand = pd.DataFrame({"cases": [325, 300, 275]}, index=MARKETS)  # one column: the values
    distance = pd.DataFrame(DISTANCE, index=PLANTS, columns=MARKETS)  # rows P, columns M
    model = transport(
        supply,
        {"index": ["M"], "values": demand},
        {"index": ["P", "M"], "values": distance},
        np.int64(90),
    )

    assert optmodel.solve(model).objective == pytest.approx(expected)


def test_a_long_series_with_a_multiindex(expected: float) -> None:
    rows = [(p, m, DISTANCE[i][j]) for i, p in enumerate(PLANTS) for j, m in enumerate(MARKETS)]
    frame = pd.DataFrame(rows, columns=["plant", "market", "km"])
    model = transport(
        {"index": ["P"], "values": np.array([350, 600])},
        {"index": ["M"], "values": np.array([325.0, 300.0, 275.0])},
        {"index": ["P", "M"], "values": frame.set_index(["plant", "market"])["km"]},
    )

    assert optmodel.solve(model).objective == pytest.approx(expected)


def test_a_numpy_matrix_is_aligned_with_the_declared_sets(expected: float) -> None:
    model = transport(
        {"index": ["P"], "values": np.array([350, 600])},
        {"index": ["M"], "values": np.array([325, 300, 275])},
        {"index": ["P", "M"], "values": np.array(DISTANCE)},
    )

    assert optmodel.solve(model).objective == pytest.approx(expected)


def test_sets_from_an_index_and_an_array() -> None:
    model = dict(PLAIN)
    model["sets"] = {"P": pd.Index(PLANTS), "M": np.array(MARKETS)}

    assert optmodel.load_formulation(model).sets["M"].members == MARKETS


def test_missing_entries_and_text_cells_are_reported_by_member() -> None:
    distance = pd.DataFrame(DISTANCE, index=PLANTS, columns=MARKETS).astype(object)
    distance.loc["san_diego", "topeka"] = np.nan
    distance.loc["seattle", "chicago"] = "1.7 miles"
    model = transport(
        {"index": ["P"], "values": [350, 600]},
        {"index": ["M"], "values": [325, 300, 275]},
        {"index": ["P", "M"], "values": distance},
    )

    issues = {(i.code.value, i.path): i.message for i in optmodel.validate(model)}

    assert ("non-numeric-data", "parameters.distance.values[seattle, chicago]") in issues
    missing = issues[("missing-data", "parameters.distance.values")]
    assert "('san_diego', 'topeka')" in missing
