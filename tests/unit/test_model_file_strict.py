"""Damaged LP/MPS files are refused with the line at fault, never solved as if whole."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optmodel.cli.main import app
from optmodel.errors import ModelFileError
from optmodel.pipeline import solve_file
from optmodel.standard_form.io import read_model_file

MPS = (
    Path(__file__).resolve().parents[1] / "data" / "tiny.mps"
).read_text()  # max 3x + 2y, x + y <= 4, x <= 3
LP = "Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x <= 3\nEnd\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_whole_files_solve(tmp_path: Path) -> None:
    for name, text in (("m.mps", MPS), ("m.lp", LP)):
        assert solve_file(_write(tmp_path, name, text)).objective == pytest.approx(11)


def _without(line: str) -> str:
    return "".join(part for part in MPS.splitlines(keepends=True) if part.strip() != line)


@pytest.mark.parametrize(
    ("damaged", "message"),
    [
        (_without("ROWS"), "line"),
        (_without("RHS"), "RHS section is missing"),
        (_without("BOUNDS"), "line 14: row .UP. in RHS"),
        (_without("OBJSENSE"), "line 2: a data line outside any section"),
        (_without("COLUMNS"), "line"),
        (_without("ENDATA"), "ends before ENDATA"),
        (MPS[: MPS.index("RHS\n")], "ends before ENDATA"),
        (MPS.replace("3.0          c1", "three        c1"), "line 9: .*'three' is not a number"),
        (MPS.replace("    x         c2        1.0", "    x         c2"), "line 10"),
        (MPS.replace(" UP BND       y         10.0", " UP BND       y"), "line 15"),
        (MPS.replace("c2        3.0", "c2"), "line 13"),
        (MPS.replace("obj       2.0", "obj       1e300"), "line 11: .*largest magnitude"),
        (MPS.replace(" L  c2", " Q  c2"), "line 7"),
        (MPS.replace("BND       y", "BND       z"), "line 15: .*'z'"),
    ],
)
def test_damaged_mps_files_are_refused_naming_the_line(
    tmp_path: Path, damaged: str, message: str
) -> None:
    path = _write(tmp_path, "m.mps", damaged)
    with pytest.raises(ModelFileError, match=message):
        read_model_file(path)
    with pytest.raises(ModelFileError):
        solve_file(path, solver="alns")  # the meta-solver reads files itself: checked first too


def test_a_nul_byte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.mps"
    path.write_bytes(MPS.replace("ROWS", "RO\x00WS").encode())
    with pytest.raises(ModelFileError, match=r"line 4: .*NUL"):
        read_model_file(path)


def test_lp_without_end_is_a_warning_but_mid_statement_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.lp", LP.replace("End\n", ""))
    with pytest.warns(UserWarning, match="lacks the closing 'end'"):
        assert solve_file(path).objective == pytest.approx(11)
    for cut in (" c2: x <=", " c2: x +", " c2: x", "Subject To\n c1: x + y <= 4\n c2"):
        truncated = LP[: LP.index(" c2: x <= 3")] + cut.split("\n")[-1]
        path = _write(tmp_path, "t.lp", truncated)
        with warnings.catch_warnings(), pytest.raises(ModelFileError, match=r"line 5: .*middle"):
            warnings.simplefilter("error")
            read_model_file(path)


def test_cli_show_validate_and_write_work_for_model_files(tmp_path: Path) -> None:
    mps = _write(tmp_path, "m.mps", MPS)
    runner = CliRunner()
    shown = runner.invoke(app, ["show", str(mps)])
    assert shown.exit_code == 0 and "c1: +1 x +1 y <= +4" in shown.output
    valid = runner.invoke(app, ["validate", str(mps)])
    assert valid.exit_code == 0 and "valid" in valid.output
    damaged = _write(tmp_path, "d.mps", _without("RHS"))
    invalid = runner.invoke(app, ["validate", str(damaged)])
    assert invalid.exit_code == 3 and "RHS section is missing" in invalid.output
    lp_out, mps_out = tmp_path / "out.lp", tmp_path / "out.mps"
    solved = runner.invoke(
        app, ["solve", str(mps), "--write-lp", str(lp_out), "--write-mps", str(mps_out)]
    )
    assert solved.exit_code == 0
    assert solve_file(lp_out).objective == solve_file(mps_out).objective == pytest.approx(11)
