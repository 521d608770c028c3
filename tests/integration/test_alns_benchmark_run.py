"""The ALNS benchmark's runner: `--executor` as in `optmodel bench`, every run's files written back."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIPLIB = ROOT.parent / "shared" / "miplib"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    command = [sys.executable, "-m", "benchmarks.alns.run", "--tier", "smoke", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.skipif(not (MIPLIB / "pk1.mps").exists(), reason="needs ../shared/miplib")
def test_runs_on_a_process_pool_write_every_file_back(tmp_path: Path) -> None:
    done = run(
        "--methods", "highs", "--instances", "pk1", "--time-limit", "1",
        "--executor", "process", "--out", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "config.json").read_text())["executor"] == "process"
    runs = tmp_path / "runs"
    assert json.loads((runs / "pk1__highs__0.meta.json").read_text())["returncode"] == 0
    assert json.loads((runs / "pk1__highs__0.json").read_text())["status"]
    assert '"objective"' in (runs / "pk1__highs__0.trajectory.jsonl").read_text()
    assert (tmp_path / "report.md").exists()


def test_an_unknown_executor_is_refused_with_the_choices(tmp_path: Path) -> None:
    done = run("--executor", "dask", "--out", str(tmp_path / "never"))
    assert done.returncode == 2
    assert "unknown executor 'dask'; use process, thread, ray or ray:ADDRESS" in done.stderr
    assert not (tmp_path / "never").exists()


@pytest.mark.skipif(not (MIPLIB / "timtab1.mps").exists(), reason="needs ../shared/miplib")
def test_a_tree_mode_run_reports_what_the_lns_did_inside_the_tree(tmp_path: Path) -> None:
    done = run(
        "--methods", "alns", "--instances", "timtab1", "--time-limit", "6", "--out", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "runs" / "timtab1__alns__0.json").read_text())
    counters = record["extra"]["counters"]
    assert counters["user_solution_offers"] > 0  # HiGHS offers the callback on timtab1
    report = (tmp_path / "report.md").read_text()
    assert "## The LNS inside the tree (ALNS v2 runs)" in report
    share = f"{counters['lns_seconds'] / record['wall']:.3f}"
    assert f"| miplib | 1 | {share} |" in report


@pytest.mark.skipif(not (MIPLIB / "pk1.mps").exists(), reason="needs ../shared/miplib")
@pytest.mark.skipif(
    importlib.util.find_spec("balans") is not None, reason="tests the run without Balans"
)
def test_balans_is_skipped_with_a_message_when_it_is_not_installed(tmp_path: Path) -> None:
    done = run(
        "--methods", "highs,balans", "--instances", "pk1", "--time-limit", "1",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Balans is not installed (pip install balans): its runs are skipped" in done.stdout
    assert json.loads((tmp_path / "config.json").read_text())["methods"] == ["highs"]
    assert (tmp_path / "runs" / "pk1__highs__0.json").exists()
