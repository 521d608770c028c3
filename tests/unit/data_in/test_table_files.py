"""Parameter tables in CSV and Parquet files beside the model: read at load, checked like inline data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import optmodel
from optmodel.errors import FormulationError
from optmodel.modeling.language.load import parse_document

ROWS = [
    ("seattle", "new_york", 2.5),
    ("seattle", "chicago", 1.7),
    ("seattle", "topeka", 1.8),
    ("san_diego", "new_york", 2.5),
    ("san_diego", "chicago", 1.8),
    ("san_diego", "topeka", 1.4),
]


def model(file: str, columns: list[str] | None = None) -> dict[str, Any]:
    return {
        "sets": {
            "P": ["seattle", "san_diego"],
            "M": ["new_york", "chicago", "topeka"],
            "T": {"range": [1, 2]},
        },
        "parameters": {
            "distance": {
                "index": ["P", "M"],
                "table": {"file": file, "columns": columns or ["plant", "market", "km"]},
            },
            "weight": {"index": ["T"], "table": {"file": "weights.csv", "columns": ["t", "w"]}},
        },
        "variables": {"ship": {"index": ["P", "M"]}},
        "objective": {
            "sense": "minimize",
            "expression": "sum(weight[1] * distance[p, m] * ship[p, m] for p in P for m in M)",
        },
        "constraints": {
            "meet_demand": {"forall": "m in M", "expression": "sum(ship[p, m] for p in P) >= 100"}
        },
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pd.DataFrame(ROWS, columns=["plant", "market", "km"]).to_csv(
        tmp_path / "distance.csv", index=False
    )
    (tmp_path / "weights.csv").write_text("t,w\n1,2\n2,3\n", encoding="utf-8")
    return tmp_path


def write(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "models" / "shipping.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_csv_table_relative_to_the_model_file(folder: Path) -> None:
    path = write(folder, model("../distance.csv"))
    (folder / "models" / "weights.csv").write_text("t,w\n1,2\n2,3\n", encoding="utf-8")

    answer = optmodel.solve(path)

    # Cheapest plant per market, 100 cases each, weighted by weight[1] = 2 (integer members read from text).
    assert answer.objective == pytest.approx(2 * 100 * (2.5 + 1.7 + 1.4))


def test_a_parquet_table(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    pd.DataFrame(ROWS, columns=["plant", "market", "km"]).to_parquet(folder / "distance.parquet")
    monkeypatch.chdir(
        folder
    )  # a model given in Python reads files relative to the working directory

    answer = optmodel.solve(model("distance.parquet"))

    assert answer.objective == pytest.approx(2 * 100 * (2.5 + 1.7 + 1.4))


def test_bad_cells_missing_rows_and_columns_are_named(folder: Path) -> None:
    (folder / "distance.csv").write_text(
        "plant,market,km\nseattle,new_york,2.5\nseattle,chicago,1.7 mi\nseattle,topeka,1.8\n"
        "san_diego,new_york,2.5\nsan_diego,chicago,1.8\n",
        encoding="utf-8",
    )
    path = write(folder, model("../distance.csv"))
    (folder / "models" / "weights.csv").write_text("t,w\n1,2\n", encoding="utf-8")

    issues = optmodel.validate(path)
    messages = [f"{i.code.value} {i.path}: {i.message}" for i in issues]

    assert any(
        "non-numeric-data parameters.distance.table: distance.csv line 3 (plant=seattle, "
        "market=chicago), column 'km': expected a number, got '1.7 mi'" in m
        for m in messages
    ), messages
    with pytest.raises(FormulationError):
        optmodel.load_formulation(path)
    (folder / "distance.csv").write_text(
        "plant,market,km\n" + "".join(f"{p},{m},{d}\n" for p, m, d in ROWS[:-1]), encoding="utf-8"
    )
    messages = [f"{i.code.value} {i.path}: {i.message}" for i in optmodel.validate(path)]
    assert any("('san_diego', 'topeka')" in m and "missing-data" in m for m in messages), messages
    assert any(
        "parameters.weight.values: parameter 'weight' is missing 1 of its entries: 2" in m
        for m in messages
    ), messages


def test_unknown_columns_and_missing_files(folder: Path) -> None:
    path = write(folder, model("../distance.csv", ["plant", "market", "miles"]))

    messages = [i.message for i in optmodel.validate(path)]

    assert any(
        "distance.csv has no column(s) 'miles'; its columns: plant, market, km" in m
        for m in messages
    )
    assert any("cannot read" in m and "weights.csv" in m for m in messages)


def test_a_document_from_an_llm_reads_no_files(folder: Path) -> None:
    formulation, issues = parse_document(model(str(folder / "distance.csv")))

    assert formulation is None
    assert any(
        i.path == "parameters.distance.table" and "read only for models loaded" in i.message
        for i in issues
    )


def test_the_bundled_example_reads_its_csv_beside_it() -> None:
    example = (
        Path(__file__).resolve().parents[3] / "examples" / "tables" / "transportation_csv.yaml"
    )

    answer = optmodel.solve(example)

    assert answer.objective == pytest.approx(
        153.675
    )  # GAMS trnsport, as examples/transportation.yaml
