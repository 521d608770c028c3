"""Reading MPS/LP files into the ALNS's in-memory MIP, and failing clearly on bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import facility, write_mps
from optmodel.errors import ModelFileError
from optmodel.solvers.alns.mip_reading import read_mip_file


def test_mps_round_trip_keeps_every_array(tmp_path: Path) -> None:
    data = facility()
    back = read_mip_file(write_mps(data, tmp_path / "facility.mps"))
    assert back.col_names == data.col_names
    assert np.array_equal(back.integer, data.integer)
    assert np.allclose(back.cost, data.cost)
    assert np.array_equal(back.col_upper, data.col_upper)
    assert np.array_equal(back.row_lower, data.row_lower)
    assert np.array_equal(back.row_upper, data.row_upper)
    x = np.random.default_rng(1).random(data.n_cols)
    assert np.allclose(back.row_activity(x), data.row_activity(x))


def test_lp_file_without_end_keyword_is_refused(tmp_path: Path) -> None:
    # HiGHS rejects it and leaves an empty model whose "optimum" would be 0.
    path = tmp_path / "noend.lp"
    path.write_text("Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\nGenerals\n x\n")
    with pytest.raises(ModelFileError, match="end"):
        read_mip_file(path)


def test_lp_file_with_end_keyword_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.lp"
    path.write_text("Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\nGenerals\n x\nEnd\n")
    data = read_mip_file(path)
    assert data.maximize and data.n_cols == 2 and data.n_rows == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.mps", None, "not found"),
        ("model.txt", "NAME x\n", "expected an .mps or .lp"),
        ("garbage.mps", "this is not MPS\n", "could not read"),
    ],
)
def test_unreadable_files_raise_model_file_error(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(ModelFileError, match=message):
        read_mip_file(path)
