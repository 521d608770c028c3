"""``optmodel datasets fetch``: every name tried, one line each, non-zero exit on failure, mirrors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from source_builders import source_files
from typer.testing import CliRunner

from optmodel.benchmarks.datasets import get_spec
from optmodel.cli.main import app


def _serve_published(server: Any, name: str, shared: Path) -> None:
    spec = get_spec(name)
    text = (shared / spec.file).read_text(encoding="utf-8")
    server.files.update(source_files(spec, [json.loads(line) for line in text.splitlines()]))


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_fetch_tries_every_dataset_and_fails_when_one_failed(
    file_server: Any, tmp_path: Path, shared_data_dir: Path
) -> None:
    _serve_published(file_server, "nl4opt-orlm245", shared_data_dir)  # logior is not served: 404
    result = CliRunner().invoke(
        app,
        [
            "datasets", "fetch", "logior", "nl4opt-orlm245", "no-such-set",
            "--data-dir", str(tmp_path), "--base-url", file_server.base_url,
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    logior, orlm, unknown, summary = _lines(result.output)
    assert logior.startswith("logior: failed:") and "HTTP 404" in logior
    assert orlm.startswith("nl4opt-orlm245: fetched and verified (exact), 245 problems")
    assert unknown.startswith("no-such-set: failed: unknown dataset")
    assert summary == "2 of 3 dataset(s) failed"
    assert (tmp_path / get_spec("nl4opt-orlm245").file).is_file()


def test_fetch_reads_the_mirror_from_the_environment(
    file_server: Any, tmp_path: Path, shared_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_published(file_server, "mamo-easylp", shared_data_dir)
    monkeypatch.setenv("OPTMODEL_DATASETS_BASE_URL", file_server.base_url)
    result = CliRunner().invoke(
        app, ["datasets", "fetch", "mamo-easylp", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert _lines(result.output)[0].startswith("mamo-easylp: fetched and verified")
    assert file_server.requests  # the mirror, not the internet, served it
