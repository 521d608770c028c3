"""Loading the registered datasets and users' own JSONL files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from optmodel.benchmarks.datasets import (
    DATA_DIR_ENV,
    SourceRef,
    dataset_names,
    default_data_dir,
    get_spec,
    list_datasets,
    load_dataset,
)
from optmodel.errors import DatasetError

EXPECTED_NAMES = {
    "nl4opt",
    "optibench",
    "logior",
    "nlp4lp",
    "mamo-easylp",
    "mamo-complexlp",
    "complexor",
    "optmath-bench",
    "nl4opt-train",
    "nl4opt-orlm245",
    "nl4opt-llmopt230",
    "nl4opt-llm4or214",
    "mamo-easylp-original",
    "mamo-complexlp-original",
}


@pytest.fixture(scope="module")
def manifest(shared_data_dir: Path) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads((shared_data_dir / "MANIFEST.json").read_text())
    return data


def test_registry_has_every_benchmark_and_variant() -> None:
    assert set(dataset_names()) == EXPECTED_NAMES


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_registry_entry_pins_the_manifest(
    name: str, manifest: dict[str, dict[str, object]]
) -> None:
    spec = get_spec(name)
    entry = manifest["files"][spec.file]
    assert isinstance(entry, dict)
    assert (spec.sha256, spec.count, dict(spec.answer_status)) == (
        entry["sha256"],
        entry["count"],
        entry["answer_status"],
    )
    assert spec.source.commit == manifest["commits"][spec.source.repo]
    assert spec.licence and spec.description and spec.source.paths


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_each_published_dataset_loads_with_its_manifest_counts(
    name: str, shared_data_dir: Path, manifest: dict[str, dict[str, object]]
) -> None:
    problems = load_dataset(name, shared_data_dir)
    entry = manifest["files"][get_spec(name).file]
    assert isinstance(entry, dict)
    assert len(problems) == entry["count"]
    statuses: dict[str, int] = {}
    for problem in problems:
        statuses[problem.answer_status] = statuses.get(problem.answer_status, 0) + 1
        assert problem.dataset == name
        assert (problem.answer is not None) == (problem.answer_status == "optimal")
    assert statuses == entry["answer_status"]
    assert len({p.id for p in problems}) == len(problems)


def test_list_datasets_verifies_every_published_file(shared_data_dir: Path) -> None:
    statuses = {s.name: s for s in list_datasets(shared_data_dir)}
    assert set(statuses) == EXPECTED_NAMES
    assert all(s.present and s.verified and s.verification == "exact" for s in statuses.values())
    assert statuses["logior"].count == 74


def test_licences_carry_the_readme_warnings() -> None:
    assert "CC BY-NC" in get_spec("nlp4lp").licence
    assert "Non-commercial" in (get_spec("nlp4lp").licence_warning or "")
    assert "Share-alike" in (get_spec("mamo-easylp-original").licence_warning or "")
    assert "none found" in get_spec("complexor").licence
    assert (
        get_spec("optibench").licence == "Apache-2.0"
        and get_spec("optibench").licence_warning is None
    )


def test_problems_keep_the_source_fields_in_raw(shared_data_dir: Path) -> None:
    mamo = {p.id: p for p in load_dataset("mamo-easylp", shared_data_dir)}
    infeasible = mamo["mamo-easylp-0643"]
    assert (infeasible.answer, infeasible.answer_status, infeasible.answer_raw) == (
        None,
        "infeasible",
        "-9999",
    )
    assert infeasible.raw["source"]["repo"] == "Cardinal-Operations/SIRL"
    logior = load_dataset("logior", shared_data_dir)
    assert sum(p.has_table for p in logior) == 38
    assert {p.kind for p in logior} == {"LP", "MILP", "NLP"}


def test_missing_dataset_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"optmodel datasets fetch optibench --data-dir"):
        load_dataset("optibench", tmp_path)
    assert not any(s.present for s in list_datasets(tmp_path))


def test_unknown_dataset_lists_the_registered_names(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="registered datasets: nl4opt, optibench"):
        load_dataset("nl4opt-typo", tmp_path)


def test_corrupted_file_is_refused_unless_verification_is_off(
    shared_data_dir: Path, tmp_path: Path
) -> None:
    spec = get_spec("complexor")
    lines = (shared_data_dir / spec.file).read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["answer"] = 701.0  # a silently wrong ground truth
    lines[0] = json.dumps(record, ensure_ascii=False)
    (tmp_path / spec.file).write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(DatasetError, match="does not match the registry's checksums"):
        load_dataset("complexor", tmp_path)
    assert load_dataset("complexor", tmp_path, verify=False)[0].answer == 701.0
    (status,) = [s for s in list_datasets(tmp_path) if s.name == "complexor"]
    assert (status.present, status.verified, status.verification) == (True, False, "mismatch")


def test_data_dir_comes_from_the_environment(
    shared_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "from-env"
    (target / "variants").mkdir(parents=True)
    shutil.copy(shared_data_dir / "variants/nl4opt-llmopt230.jsonl", target / "variants")
    monkeypatch.setenv(DATA_DIR_ENV, str(target))

    assert default_data_dir() == target
    assert len(load_dataset("nl4opt-llmopt230")) == 230


def test_default_data_dir_is_in_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert default_data_dir() == Path(platformdirs.user_cache_dir()) / "optmodel" / "datasets"


# --- A user's own JSONL benchmark ---------------------------------------------------------------


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "my-bench.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_own_jsonl_file_loads_with_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        json.dumps({"id": "a", "question": "Maximize 3x, x <= 2.", "answer": 6}),
        "",  # blank lines are fine
        json.dumps({"id": "b", "question": "| x | y |\n|---|---|", "answer": None, "type": "MILP"}),
        json.dumps(
            {
                "id": "c",
                "question": "x >= 1, x <= 0.",
                "answer": None,
                "answer_status": "infeasible",
            }
        ),
    )
    a, b, c = load_dataset(path)
    assert (a.dataset, a.answer, a.answer_status, a.has_table) == (
        "my-bench",
        6.0,
        "optimal",
        False,
    )
    assert (b.answer_status, b.has_table, b.kind) == ("unknown", True, "MILP")
    assert c.answer_status == "infeasible"
    assert load_dataset(str(path))[0].id == "a"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "x", "question": "q", "answer": 1', "invalid JSON"),
        ('["id", "question"]', "expected a JSON object, got list"),
        ('{"question": "q", "answer": 1}', "'id' must be a non-empty string"),
        ('{"id": "x", "answer": 1}', "'question' must be a non-empty string"),
        ('{"id": "x", "question": "q", "answer": "12.5"}', "'answer' must be a number or null"),
        ('{"id": "x", "question": "q", "answer": true}', "'answer' must be a number or null"),
        ('{"id": "x", "question": "q", "answer": 1, "answer_status": "done"}', "must be one of"),
        ('{"id": "x", "question": "q", "answer": null, "answer_status": "optimal"}', "is missing"),
        ('{"id": "x", "question": "q", "answer": 3, "answer_status": "infeasible"}', "use null"),
        ('{"id": "x", "question": "q", "answer": 1, "has_table": "yes"}', "'has_table' must be"),
    ],
)
def test_malformed_line_names_the_line_and_the_problem(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = _write(tmp_path, '{"id": "ok", "question": "fine", "answer": 1}', line)
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert f"{path}, line 2:" in str(caught.value)
    assert problem in str(caught.value)


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    row = '{"id": "same", "question": "q", "answer": 1}'
    with pytest.raises(DatasetError, match=r"line 2: duplicate id 'same' \(first on line 1\)"):
        load_dataset(_write(tmp_path, row, row))


def test_registry_entries_pin_full_commits() -> None:
    spec = get_spec("logior")
    assert len(spec.source.commit) == 40 and hash(spec) == hash(get_spec("logior"))
    with pytest.raises(ValueError, match="full 40-character SHA"):
        SourceRef(repo="ZJU-TSELab/ORThought", commit="fb8a5de", paths=("x",))


def test_own_file_must_be_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"is not a \.jsonl file"):
        load_dataset(path)


def test_missing_or_empty_own_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nowhere.jsonl")
    with pytest.raises(DatasetError, match="contains no problems"):
        load_dataset(_write(tmp_path, ""))
