"""The model-building benchmark builds the same model in every tool: equal optima at tiny sizes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "model_building.py"
SIZES = {"transport": 6, "linking": 5, "network": 40, "milp": 3}


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("model_building", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("model_building", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("family", list(SIZES))
def test_every_tool_reaches_the_same_optimum(family: str) -> None:
    bench = _benchmark()
    tools = ["optmodel", "pyomo", "highspy"]
    if importlib.util.find_spec("linopy") is not None:
        tools.append("linopy")
    results = {tool: bench.worker(tool, family, SIZES[family]) for tool in tools}
    assert results["optmodel"]["path"] == "matrix"
    assert results["optmodel"]["status"] == "done"
    reference = results["highspy"]["objective"]
    for tool, result in results.items():
        assert result["objective"] == pytest.approx(
            reference, rel=1e-3 if family == "milp" else 1e-7
        ), tool
        assert result["highs_run_s"] > 0 and result["outside_s"] >= 0 and result["peak_mib"] > 0
        assert result["n_values"] == results["highspy"]["n_values"], tool  # every value read out


def test_the_check_is_shown_against_the_solve_stage() -> None:
    bench = _benchmark()
    row = {"optmodel": {"stages": {"solve_s": 2.5, "check_s": 0.0312}}}
    assert bench._check_share(row) == "0.031 / 2.50"
    assert bench._check_share({"optmodel": {"stages": {"solve_s": 2.5}}}) == "-"  # no solution
    assert bench._check_share({}) == "-"


def test_merged_files_give_one_table_with_every_run(tmp_path: Path) -> None:
    """More repeats for one family, run apart, join the others' table: medians over all runs, each run's
    optmodel/linopy ratio listed in order, each file's load and command kept."""
    bench = _benchmark()

    def run(tool: str, outside: float, repeat: int) -> dict[str, object]:
        return {
            "tool": tool,
            "family": "network",
            "size": 40,
            "repeat": repeat,
            "total_s": outside + 1.0,
            "highs_run_s": 1.0,
            "outside_s": outside,
            "ranging_s": 0.0,
            "peak_mib": 100.0,
            "objective": 1.0,
            "stages": {"check_s": 0.1, "solve_s": 2.0} if tool == "optmodel" else None,
        }

    files = []
    for number, pairs in enumerate([[(1.0, 2.0)], [(3.0, 2.0), (0.5, 1.0)]]):
        runs = [
            run(t, s, k + 1)
            for k, pair in enumerate(pairs)
            for t, s in zip(("optmodel", "linopy"), pair, strict=True)
        ]
        meta = {
            "machine": "m",
            "load_before": [number],
            "load_after": [number],
            "command": f"c{number}",
            "time": "t",
        }
        path = tmp_path / f"part{number}.json"
        path.write_text(json.dumps({"meta": meta, "runs": runs}))
        files.append(path)
    text = bench._merge(files, tmp_path / "merged")
    assert "- network 40: 1.00 / 2.00 = 0.50; 3.00 / 2.00 = 1.50; 0.50 / 1.00 = 0.50" in text
    (row,) = json.loads((tmp_path / "merged.json").read_text())["rows"]
    assert row["optmodel"]["outside_s"] == 1.0 and row["optmodel"]["runs"] == 3
    assert row["optmodel_over_linopy"] == pytest.approx(0.5)
    assert "c0 ; c1" in text and (tmp_path / "merged.md").read_text() == text
