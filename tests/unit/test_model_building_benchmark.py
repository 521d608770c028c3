"""The model-building benchmark builds the same model in every tool: equal optima at tiny sizes."""

from __future__ import annotations

import importlib.util
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
