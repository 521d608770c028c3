"""Export to YAML/JSON and import back: validated completely, applied all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from library_doubles import insight_json, make_insight

from optmodel.errors import LibraryError
from optmodel.experience_library import InsightStore, load_starter_library


def _snapshot(store: InsightStore) -> tuple[int, list[tuple[str, int, str]]]:
    insights = store.insights(include_retired=True)
    return store.revision(), [(i.id, i.version, i.applies_when) for i in insights]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_export_then_import_reproduces_the_library(
    store: InsightStore, tmp_path: Path, suffix: str
) -> None:
    load_starter_library(store)
    store.add(make_insight("ins-learned"))
    path = tmp_path / f"shared{suffix}"
    assert store.export_to(path) == len(store.insights())

    with InsightStore(tmp_path / "other.sqlite") as other:
        report = other.import_from(path)
        assert len(report.added) == len(store.insights())
        assert [i.content() for i in other.insights()] == [i.content() for i in store.insights()]
        # Importing the same file again changes nothing.
        again = other.import_from(path)
        assert again.added == [] and len(again.unchanged) == len(report.added)


def test_an_edited_export_imports_as_a_new_version(store: InsightStore, tmp_path: Path) -> None:
    store.add(make_insight("ins-a"))
    path = tmp_path / "lib.yaml"
    store.export_to(path)
    document = yaml.safe_load(path.read_text())
    document["insights"][0]["applies_when"] = "reviewed condition"
    path.write_text(yaml.safe_dump(document))
    report = store.import_from(path)
    assert report.updated == ["ins-a"]
    assert (
        store.get("ins-a").version == 2 and store.get("ins-a").applies_when == "reviewed condition"
    )
    assert store.rollback("ins-a", 1).applies_when == make_insight("x").applies_when


def test_corrupted_yaml_fails_clearly_and_changes_nothing(
    store: InsightStore, tmp_path: Path
) -> None:
    load_starter_library(store)
    before = _snapshot(store)
    path = tmp_path / "broken.yaml"
    path.write_text("insights:\n  - id: ins-a\n    title: [unclosed\n  - : :\n")
    with pytest.raises(LibraryError, match=r"broken.yaml: not valid YAML/JSON at line \d+"):
        store.import_from(path)
    assert _snapshot(store) == before


def test_schema_invalid_entries_are_all_named_and_nothing_is_imported(
    store: InsightStore, tmp_path: Path
) -> None:
    store.add(make_insight("ins-existing"))
    before = _snapshot(store)
    good = {**insight_json(), "id": "ins-good"}
    changed = {**insight_json(applies_when="changed"), "id": "ins-existing"}
    bad_example = {
        **insight_json(example={"wrong": "x <= 1", "right": "import os"}),
        "id": "ins-bad-example",
    }
    missing_field = {k: v for k, v in insight_json().items() if k != "explanation"}
    missing_field["id"] = "ins-no-explanation"
    path = tmp_path / "lib.yaml"
    path.write_text(
        yaml.safe_dump({"insights": [good, changed, bad_example, missing_field, "just text"]})
    )
    with pytest.raises(LibraryError) as caught:
        store.import_from(path)
    message = str(caught.value)
    assert "3 invalid entries; nothing was imported" in message
    assert (
        "entry 3 (id 'ins-bad-example'): field 'example.right': Value error, 'import os' is not a valid expression"
        in message
    )
    assert "entry 4 (id 'ins-no-explanation'): field 'explanation': Field required" in message
    assert "entry 5: expected a mapping" in message
    assert _snapshot(store) == before  # neither the good entry nor the change was applied


def test_conflict_error_mode_rolls_back_the_whole_import(
    store: InsightStore, tmp_path: Path
) -> None:
    store.add(make_insight("ins-existing"))
    before = _snapshot(store)
    path = tmp_path / "lib.json"
    other = InsightStore(tmp_path / "other.sqlite")
    other.add_many([make_insight("ins-new"), make_insight("ins-existing")])
    other.export_to(path)
    other.close()
    with pytest.raises(LibraryError, match="'ins-existing' already exists"):
        store.import_from(path, on_conflict="error")
    assert _snapshot(store) == before and store.find("ins-new") is None


def test_wrong_format_and_missing_file_are_clear_errors(
    store: InsightStore, tmp_path: Path
) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("format: some-other-tool\ninsights: []\n")
    with pytest.raises(LibraryError, match="expected 'optmodel-experience-library'"):
        store.import_from(path)
    with pytest.raises(LibraryError, match="cannot read library file"):
        store.import_from(tmp_path / "missing.yaml")
