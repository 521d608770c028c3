"""Fetching datasets over HTTP from a loopback server: converters, verification, failures."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from source_builders import source_files

from optmodel.benchmarks.datasets import (
    DatasetSpec,
    SourceRef,
    content_digest,
    dataset_names,
    fetch_dataset,
    get_spec,
    list_datasets,
    load_dataset,
)
from optmodel.errors import DatasetError

REPO = "fixture/repo"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _src(path: str, index: int | str) -> dict[str, Any]:
    return {"repo": REPO, "path": path, "commit": COMMIT, "index": index}


def _fixture_spec(base: str, expected: list[dict[str, Any]], **options: Any) -> DatasetSpec:
    """A registry entry like ``base``, pinned to hand-made fixture content."""
    spec = get_spec(base)
    return replace(
        spec,
        name=f"{base}-fixture",
        file=f"fixture/{base}.jsonl",
        count=len(expected),
        sha256="0" * 64,
        content_sha256=content_digest(expected, spec.content_fields),
        source=SourceRef(repo=REPO, commit=COMMIT, paths=spec.source.paths),
        options={**spec.options, **options},
    )


def _serve(server: Any, files: dict[str, bytes]) -> None:
    server.files.update({f"/{REPO}/{COMMIT}/{path}": data for path, data in files.items()})


def _written(tmp_path: Path, spec: DatasetSpec) -> list[dict[str, Any]]:
    text = (tmp_path / spec.file).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# --- ReSocratic JSON (OptiBench style): answer-key rule, overrides, table label ----------------

RESOCRATIC_ITEMS: list[dict[str, Any]] = [
    {
        "index": 0,
        "question": "Chairs and dressers; maximize profit.",
        "results": {"Number of chairs": "4.0", "Maximized Profit": "224.0"},
        "type": "linear-notable",
    },
    {
        "index": 1,
        "question": "A box.\n| side | cost |\n|---|---|\n| 1 | 2 |",
        "results": {
            "The height of the box that gives maximum volume": "5.0",
            "The maximum volume of the box": "2030.3362942094193",
        },
        "type": "nonlinear-table",
    },
    {
        "index": 2,
        "question": "Vans; minimize the total cost.",
        "results": {"Number of vans": "3", "Total cost": "450"},
        "type": "linear-notable",
    },
    {
        "index": 3,
        "question": "A rectangle's perimeter.",
        "results": {"The length of the rectangle": "10", "The perimeter of the rectangle": "40.00"},
        "type": "linear-notable",
    },
    {
        "index": 4,
        "question": "Saws; minimize the total number of saws.",
        "results": {"The number of miter saws": "2", "The number of circular saws": "3"},
        "type": "linear-notable",
    },
]


def _resocratic_expected() -> list[dict[str, Any]]:
    rows = [
        (0, "Maximized Profit", "keyword", 224.0, False),
        (1, "The maximum volume of the box", "keyword(several)", 2030.3362942094193, True),
        (2, "Total cost", "keyword(weak)", 450.0, False),
        (3, "The perimeter of the rectangle", "last-key(no-objective-like-key)", 40.0, False),
    ]
    expected = []
    for index, key, method, answer, table in rows:
        item = RESOCRATIC_ITEMS[index]
        record = {
            "id": f"optibench-{index:04d}",
            "dataset": "optibench",
            "split": "test",
            "question": item["question"],
            "answer": answer,
            "answer_status": "optimal",
            "answer_raw": item["results"][key],
            "answer_key": key,
            "answer_key_method": method,
            "results": item["results"],
            "source": _src("data/OptiBench.json", index),
            "type": item["type"],
            "linearity": "nonlinear" if index == 1 else "linear",
            "has_table": table,
        }
        expected.append(record)
    expected.append(
        {
            "id": "optibench-0004",
            "dataset": "optibench",
            "split": "test",
            "question": RESOCRATIC_ITEMS[4]["question"],
            "answer": None,
            "answer_status": "unknown",
            "answer_key": None,
            "answer_key_method": "manual-review",
            "results": RESOCRATIC_ITEMS[4]["results"],
            "source": _src("data/OptiBench.json", 4),
            "type": "linear-notable",
            "linearity": "linear",
            "has_table": False,
            "answer_note": "objective (total saws) not in results",
        }
    )
    return expected


def test_resocratic_source_is_normalized_with_answer_key_rule_and_overrides(
    file_server: Any, tmp_path: Path
) -> None:
    override = {
        4: {
            "answer_key": None,
            "method": "manual-review",
            "note": "objective (total saws) not in results",
        }
    }
    spec = _fixture_spec("optibench", _resocratic_expected(), overrides=override)
    _serve(file_server, {"data/OptiBench.json": json.dumps(RESOCRATIC_ITEMS).encode()})

    status = fetch_dataset(spec, tmp_path, base_url=file_server.base_url)

    assert status.present and status.verified and status.verification == "content"
    written = _written(tmp_path, spec)
    assert written == _resocratic_expected()


# --- SIRL's corrected MAMO JSONL: -9999 is infeasible, ids from the registry's id list --------


def test_sirl_mamo_source_maps_ids_and_marks_minus_9999_infeasible(
    file_server: Any, tmp_path: Path
) -> None:
    lines = [
        {"en_question": "Diet problem A.", "en_answer": "57.0", "is_checked": 0},
        {"en_question": "Contradictory problem.", "en_answer": "-9999", "is_checked": 1},
        {"en_question": "Blend problem.", "en_answer": "10755.00", "is_checked": 0},
    ]
    path = "test_data/MAMO_EasyLP_fixed.jsonl"
    expected = [
        {
            "id": f"mamo-easylp-{mamo_id:04d}",
            "dataset": "mamo-easylp",
            "split": "test",
            "question": line["en_question"],
            "answer": answer,
            "answer_status": status,
            "answer_raw": line["en_answer"],
            "source": _src(path, position),
            "mamo_id": mamo_id,
            "sirl_index": mamo_id - 1,
            "type": "easy_lp",
            "has_table": False,
            "sirl_is_checked": line["is_checked"],
        }
        for position, (line, mamo_id, answer, status) in enumerate(
            zip(
                lines,
                [5, 3, 9],
                [57.0, None, 10755.0],
                ["optimal", "infeasible", "optimal"],
                strict=True,
            )
        )
    ]
    spec = _fixture_spec("mamo-easylp", expected, items="5,3,9")
    _serve(file_server, {path: "".join(json.dumps(line) + "\n" for line in lines).encode()})

    fetch_dataset(spec, tmp_path, base_url=file_server.base_url)

    assert _written(tmp_path, spec) == expected
    infeasible = [p for p in load_dataset(tmp_path / spec.file) if p.answer_status == "infeasible"]
    assert [p.id for p in infeasible] == ["mamo-easylp-0003"]


# --- ORLM's NL4OPT copy: JSON Lines under a .json name, decided by content --------------------


def test_nl4opt_orlm245_source_is_json_lines_under_a_json_name(
    file_server: Any, tmp_path: Path
) -> None:
    # The upstream layout: one {"en_question", "en_answer"} object per line, in benchmark/NL4OPT.json.
    lines = [
        {"en_question": "Ducks by boat or canoe; minimize time.", "en_answer": "1160.0"},
        {"en_question": "Impossible staffing.", "en_answer": "No Best Solution"},
    ]
    path = "benchmark/NL4OPT.json"
    expected = [
        {
            "id": f"nl4opt-orlm245-{position:04d}",
            "dataset": "nl4opt",
            "split": "test",
            "question": line["en_question"],
            "answer": answer,
            "answer_status": status,
            "answer_raw": line["en_answer"],
            "source": _src(path, position),
            "has_table": False,
        }
        for position, (line, answer, status) in enumerate(
            zip(lines, [1160.0, None], ["optimal", "infeasible"], strict=True)
        )
    ]
    spec = _fixture_spec("nl4opt-orlm245", expected)
    _serve(file_server, {path: "".join(json.dumps(line) + "\n" for line in lines).encode()})

    assert fetch_dataset(spec, tmp_path, base_url=file_server.base_url).verified
    assert _written(tmp_path, spec) == expected


# --- ORThought problem directories: question.txt verbatim, answer.json statuses ----------------


def test_orthought_directories_keep_text_verbatim_and_read_answer_statuses(
    file_server: Any, tmp_path: Path
) -> None:
    base = "datasets/processed/NLP4LP"
    summary = {
        name: {
            "description": "...",
            "problem_type": kind,
            "details": {"variables_num": 2},
            "problem_size": "Toy",
        }
        for name, kind in [("prob_000", "LP"), ("prob_002", "ILP"), ("prob_007", "LP")]
    }
    files = {
        "datasets/summary/summary_nlp4lp.json": json.dumps(summary).encode(),
        f"{base}/prob_000/question.txt": b"Mrs. Watson invests.\r\nMaximize profit.",
        f"{base}/prob_000/answer.json": b'{"status": "optimal", "obj": 684000.0}',
        f"{base}/prob_000/model.txt": b"max 0.5x + y",
        f"{base}/prob_000/code.py": b"import gurobipy",
        f"{base}/prob_002/question.txt": "An ill-posed problem \u2013 see notes.".encode(),
        f"{base}/prob_002/answer.json": b'{"status": "optimal", "obj": null}',
        f"{base}/prob_002/model.txt": b"?",
        f"{base}/prob_002/code.py": b"?",
        # prob_007 has no model.txt / code.py upstream: they are optional.
        f"{base}/prob_007/question.txt": b"Impossible demands.",
        f"{base}/prob_007/answer.json": b'{"status": "infeasible or unbounded", "obj": null}',
    }

    def expected_record(name: str, question: str, answer: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"nlp4lp-{int(name[5:]):04d}",
            "dataset": "nlp4lp",
            "split": "test",
            "question": question,
            **answer,
            "source": _src(f"{base}/{name}/question.txt", name),
            "answer_source": f"{base}/{name}/answer.json",
            "type": summary[name]["problem_type"],
            "problem_size": "Toy",
            "size_details": {"variables_num": 2},
            "has_table": False,
        }

    expected = [
        expected_record(
            "prob_000",
            "Mrs. Watson invests.\r\nMaximize profit.",
            {"answer": 684000.0, "answer_status": "optimal"},
        ),
        expected_record(
            "prob_002",
            "An ill-posed problem \u2013 see notes.",
            {"answer": None, "answer_status": "unknown"},
        ),
        expected_record(
            "prob_007",
            "Impossible demands.",
            {
                "answer": None,
                "answer_status": "infeasible",
                "answer_raw": "infeasible or unbounded",
            },
        ),
    ]
    spec = _fixture_spec("nlp4lp", expected, items="0,2,7")
    _serve(file_server, files)

    fetch_dataset(spec, tmp_path, base_url=file_server.base_url)

    written = {record["id"]: record for record in _written(tmp_path, spec)}
    assert written["nlp4lp-0000"]["question"] == "Mrs. Watson invests.\r\nMaximize profit."
    assert written["nlp4lp-0000"]["reference_code"] == "import gurobipy"
    assert "reference_code" not in written["nlp4lp-0007"]
    assert written["nlp4lp-0002"]["notes"] == [spec.options["unknown_note"]]
    statuses = {p.id: p.answer_status for p in load_dataset(tmp_path / spec.file)}
    assert statuses == {
        "nlp4lp-0000": "optimal",
        "nlp4lp-0002": "unknown",
        "nlp4lp-0007": "infeasible",
    }


# --- Every registered dataset, rebuilt in its source format from the published records ---------


@pytest.mark.parametrize("name", dataset_names())
def test_fetch_rebuilds_each_registered_dataset_from_its_source_format(
    name: str, file_server: Any, tmp_path: Path, shared_data_dir: Path
) -> None:
    spec = get_spec(name)
    published = [
        json.loads(line)
        for line in (shared_data_dir / spec.file).read_text(encoding="utf-8").splitlines()
    ]
    file_server.files.update(source_files(spec, published))

    # Two workers: enough to exercise parallel downloads without starving a 2-core test machine.
    status = fetch_dataset(name, tmp_path, base_url=file_server.base_url, workers=2)

    assert status.verified, status
    assert status.verification == spec.fetch_reproduces
    fetched = load_dataset(name, tmp_path)
    reference = load_dataset(name, shared_data_dir)
    core = [(p.id, p.question, p.answer, p.answer_status, p.type, p.has_table) for p in fetched]
    assert core == [
        (p.id, p.question, p.answer, p.answer_status, p.type, p.has_table) for p in reference
    ]


def test_a_verified_file_is_not_downloaded_again(
    file_server: Any, tmp_path: Path, shared_data_dir: Path
) -> None:
    spec = get_spec("nl4opt-orlm245")
    published = (shared_data_dir / spec.file).read_bytes()
    (tmp_path / "variants").mkdir()
    (tmp_path / spec.file).write_bytes(published)

    status = fetch_dataset("nl4opt-orlm245", tmp_path, base_url=file_server.base_url)

    assert status.verification == "exact"
    assert file_server.requests == []


# --- Failures: nothing is kept -----------------------------------------------------------------


def _sirl_fixture() -> DatasetSpec:
    expected = [
        {
            "id": "mamo-easylp-0001",
            "dataset": "mamo-easylp",
            "split": "test",
            "question": "Q.",
            "answer": 1.5,
            "answer_status": "optimal",
            "answer_raw": "1.5",
            "source": _src("test_data/MAMO_EasyLP_fixed.jsonl", 0),
            "mamo_id": 1,
            "sirl_index": 0,
            "type": "easy_lp",
            "has_table": False,
            "sirl_is_checked": 0,
        }
    ]
    return _fixture_spec("mamo-easylp", expected, items="1")


def _leftovers(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p.is_file()]


def test_checksum_mismatch_fails_and_writes_nothing(file_server: Any, tmp_path: Path) -> None:
    spec = _sirl_fixture()
    tampered = {"en_question": "Q.", "en_answer": "2.5", "is_checked": 0}
    _serve(file_server, {spec.source.paths[0]: (json.dumps(tampered) + "\n").encode()})

    with pytest.raises(DatasetError, match="checksum mismatch"):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url)
    assert _leftovers(tmp_path) == []


def test_record_count_mismatch_fails_and_writes_nothing(file_server: Any, tmp_path: Path) -> None:
    spec = get_spec("nl4opt-orlm245")
    item = {"en_question": "Only one problem.", "en_answer": "3"}  # upstream: JSON Lines
    _serve(file_server, {})
    file_server.files[f"/{spec.source.repo}/{spec.source.commit}/{spec.source.paths[0]}"] = (
        json.dumps(item).encode() + b"\n"
    )

    with pytest.raises(DatasetError, match="converted to 1 records, the registry expects 245"):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url)
    assert _leftovers(tmp_path) == []


def test_server_error_is_retried_then_reported(file_server: Any, tmp_path: Path) -> None:
    spec = _sirl_fixture()
    url_path = f"/{REPO}/{COMMIT}/{spec.source.paths[0]}"
    file_server.fail[url_path] = 500

    with pytest.raises(DatasetError, match="HTTP 500"):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url, retries=1)
    assert file_server.requests == [url_path, url_path]
    assert _leftovers(tmp_path) == []


def test_missing_source_file_names_the_url(file_server: Any, tmp_path: Path) -> None:
    spec = _sirl_fixture()
    with pytest.raises(DatasetError, match=r"MAMO_EasyLP_fixed\.jsonl does not exist \(HTTP 404\)"):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url)


def test_source_in_unexpected_format_is_a_clear_error(file_server: Any, tmp_path: Path) -> None:
    spec = _sirl_fixture()
    _serve(file_server, {spec.source.paths[0]: b'{"en_question": "Q.", "en_answer": \n'})
    with pytest.raises(DatasetError, match=r"nor JSON Lines \(line 1: "):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url)


def test_unexpected_conversion_failure_is_a_dataset_error(file_server: Any, tmp_path: Path) -> None:
    # An override entry without its "method" makes the converter fail half-way: no traceback leaks.
    spec = _fixture_spec("optibench", _resocratic_expected(), overrides={0: {"answer_key": None}})
    _serve(file_server, {"data/OptiBench.json": json.dumps(RESOCRATIC_ITEMS).encode()})
    with pytest.raises(
        DatasetError, match="could not convert the source files as 'resocratic-json'"
    ):
        fetch_dataset(spec, tmp_path, base_url=file_server.base_url)
    assert _leftovers(tmp_path) == []


def test_list_valued_answer_is_unknown_not_a_crash(file_server: Any, tmp_path: Path) -> None:
    odd = [{"index": 0, "question": "Q.", "results": {"Profit": ["not", "a", "number"]}}]
    expected = [
        {
            "id": "optibench-0000",
            "dataset": "optibench",
            "split": "test",
            "question": "Q.",
            "answer": None,
            "answer_status": "unknown",
            "answer_key": "Profit",
            "answer_key_method": "single-key",
            "results": odd[0]["results"],
            "source": _src("data/OptiBench.json", 0),
            "linearity": "linear",
            "has_table": False,
        }
    ]
    spec = _fixture_spec("optibench", expected, overrides={})
    _serve(file_server, {"data/OptiBench.json": json.dumps(odd).encode()})
    assert fetch_dataset(spec, tmp_path, base_url=file_server.base_url).verified


def test_no_network_says_how_to_install_by_hand(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DatasetError) as caught:
        fetch_dataset("logior", tmp_path, base_url=f"http://127.0.0.1:{port}", retries=0)
    message = str(caught.value)
    assert "No network?" in message
    assert "logior.jsonl" in message and str(tmp_path) in message
    assert "ZJU-TSELab/ORThought" in message
    assert all(not status.present for status in list_datasets(tmp_path))
