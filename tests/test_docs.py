"""The docs pages' Python blocks run, each on its own; their complete YAML models solve to the stated optimum."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMING_FROM = ROOT / "docs" / "coming-from-pyomo-pulp-linopy.md"


def _blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("number", range(len(_blocks(COMING_FROM, "python"))))
def test_each_python_block_runs_on_its_own(number: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    block = _blocks(COMING_FROM, "python")[number]
    exec(
        compile(block, f"{COMING_FROM.name} python block {number + 1}", "exec"), {}
    )  # our own docs


def test_the_page_shows_every_library_and_both_optmodel_forms() -> None:
    text = COMING_FROM.read_text(encoding="utf-8")
    for heading in ("## Pyomo", "## PuLP", "## linopy", "## optmodel: the Formulation"):
        assert heading in text
    assert "## optmodel: the Python API" in text
    assert len(_blocks(COMING_FROM, "python")) >= 4  # data, Pyomo, Python API, Pyomo round trip


def test_the_formulation_block_solves_to_the_trnsport_optimum() -> None:
    import optmodel

    (document,) = [yaml.safe_load(b) for b in _blocks(COMING_FROM, "yaml")]
    answer = optmodel.solve(document)

    assert answer.objective == pytest.approx(153.675)
    assert answer.dual("meet_demand", "new_york") == pytest.approx(0.225)
