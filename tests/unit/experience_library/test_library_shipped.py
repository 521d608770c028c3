"""The libraries shipped as package data: the starter one, and the learned default with its provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml

from optmodel.benchmarks.methods import parse_method
from optmodel.cli.bench_cmd import _library_store
from optmodel.experience_library import (
    InsightStore,
    export_library,
    load_shipped_library,
    read_library_file,
    shipped_insights,
    shipped_provenance,
    starter_insights,
)


def test_the_learned_library_holds_the_starter_and_says_where_it_came_from() -> None:
    starter = {i.id for i in starter_insights()}
    learned_library = shipped_insights("learned")
    assert starter <= {i.id for i in learned_library}
    learned = [
        i for i in learned_library if i.provenance.origin in ("learned", "merged", "refined")
    ]
    provenance = shipped_provenance("learned")
    assert {"model", "training_split", "date", "counts", "measured"} <= provenance.keys()
    assert provenance["counts"]["insights_learned"] == len(learned) > 0
    assert all(i.provenance.source_problems for i in learned)
    assert shipped_provenance("starter") == {}


def test_the_starter_library_is_the_default() -> None:
    assert [i.id for i in shipped_insights()] == [i.id for i in starter_insights()]


def test_loading_a_shipped_library_twice_changes_nothing() -> None:
    store = InsightStore(":memory:")
    first = load_shipped_library(store, "starter")
    second = load_shipped_library(store, "starter")
    assert len(first.added) == len(starter_insights()) and not second.added
    assert len(second.skipped) == len(first.added)


def test_library_methods_use_the_library_and_repair() -> None:
    for name in ("library", "library-starter"):
        method = parse_method(name)
        assert method.uses_library and method.config.max_attempts >= 2 and method.name == name
    assert not parse_method("repair").uses_library


def test_an_export_carries_its_provenance_and_reads_back(tmp_path: Path) -> None:
    store = InsightStore(":memory:")
    load_shipped_library(store, "starter")
    about = {"model": "m", "training_split": "x", "date": "2026-12-03", "counts": {"problems": 3}}
    out = tmp_path / "lib.yaml"

    count = export_library(store, out, provenance=about)

    assert yaml.safe_load(out.read_text())["provenance"] == about
    assert len(read_library_file(out)) == count == len(starter_insights())


def test_bench_library_option_takes_a_shipped_name_or_a_file(tmp_path: Path) -> None:
    assert len(_library_store("learned").insights()) == len(shipped_insights("learned"))
    assert len(_library_store(None).insights()) == len(starter_insights())
    with pytest.raises(typer.BadParameter, match="starter, learned"):
        _library_store(str(tmp_path / "missing.sqlite"))
