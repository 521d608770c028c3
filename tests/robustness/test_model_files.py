"""Property tests over damaged MPS/LP files: each damage is refused with a line number, never solved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optmodel.errors import ModelFileError
from optmodel.pipeline import solve_file

MPS = (
    Path(__file__).resolve().parents[1] / "data" / "tiny.mps"
).read_text()  # max 3x + 2y, x + y <= 4, x <= 3
LINES = MPS.splitlines(keepends=True)
HEADERS = [n for n, line in enumerate(LINES) if line[0].isalpha() and not line.startswith("NAME")]
NUMBERS = [
    (n, k)
    for n, line in enumerate(LINES)
    for k, word in enumerate(line.split())
    if word.replace(".", "", 1).isdigit()
]
FILES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _refused(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "damaged.mps"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(ModelFileError, match=r"line \d+|section is missing|ENDATA"):
        solve_file(path)


@FILES
@given(st.sampled_from(HEADERS))
def test_a_missing_section_header_is_refused(tmp_path: Path, line: int) -> None:
    _refused(tmp_path, "".join(LINES[:line] + LINES[line + 1 :]))


@FILES
@given(st.integers(1, len(MPS) - len("ENDATA\n") - 1))
def test_a_truncated_file_is_refused(tmp_path: Path, cut: int) -> None:
    _refused(tmp_path, MPS[:cut])


@FILES
@given(st.sampled_from(NUMBERS), st.sampled_from(["", "three", "1e", "--1", "0x10", "nan"]))
def test_a_damaged_number_is_refused(tmp_path: Path, where: tuple[int, int], word: str) -> None:
    line, position = where
    words = LINES[line].split()
    words[position] = word
    damaged = [*LINES[:line], "    " + "  ".join(w for w in words if w) + "\n", *LINES[line + 1 :]]
    _refused(tmp_path, "".join(damaged))


@FILES
@given(st.integers(0, len(MPS) - 1))
def test_a_nul_byte_anywhere_is_refused(tmp_path: Path, at: int) -> None:
    data = MPS.encode()
    _refused(tmp_path, data[:at] + b"\x00" + data[at:])


def test_the_whole_file_still_solves(tmp_path: Path) -> None:
    path = tmp_path / "whole.mps"
    path.write_text(MPS)
    assert solve_file(path).objective == pytest.approx(11)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_the_cli_reports_sigterm(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(
        fifo
    )  # opening it blocks until a writer comes: the command is busy when the signal lands
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "optmodel", "validate", str(fifo)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    time.sleep(3)  # let it import and block on the FIFO
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
