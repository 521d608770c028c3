"""A benchmark run on disk: its configuration, and results appended one problem per line as they finish.

A run killed at any moment loses at most the problems in flight: every finished problem is one fsynced JSON
line, and a half-written last line (the kill landed mid-write) is cut off when the run resumes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from optmodel.atomic_files import write_atomically

RESULTS = "results.jsonl"
CONFIG = "config.json"


class RunDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.results_path = path / RESULTS
        self.config_path = path / CONFIG

    def exists(self) -> bool:
        return self.config_path.exists()

    def create(self, config: Mapping[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        record = {**config, "environment": environment()}
        write_atomically(self.config_path, json.dumps(record, indent=2, default=str))
        self.results_path.touch()

    def config(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.config_path.read_text(encoding="utf-8"))
        return data

    def records(self) -> list[dict[str, Any]]:
        """Every complete result line; a torn last line is removed from the file."""
        if not self.results_path.exists():
            return []
        raw = self.results_path.read_bytes()
        good_end = raw.rfind(b"\n") + 1
        if good_end < len(raw):
            with self.results_path.open("r+b") as handle:
                handle.truncate(good_end)
        records = []
        for line in raw[:good_end].splitlines():
            if line.strip():
                records.append(json.loads(line))
        return records

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, default=str, ensure_ascii=False) + "\n").encode("utf-8")
        with self.results_path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def attempts_path(self, dataset: str, method: str, problem_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in problem_id)
        return self.path / "attempts" / dataset / method / f"{safe}.json"


def iter_done(records: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    for record in records:
        yield record["dataset"], record["method"], record["problem_id"]


def environment() -> dict[str, Any]:
    """Versions, platform and git revision: what someone needs to reproduce the run."""
    from importlib import metadata

    versions = {}
    for package in (
        "optmodel",
        "pyomo",
        "highspy",
        "ortools",
        "pyscipopt",
        "openai",
        "transformers",
        "torch",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        "git_revision": _git_revision(),
        "argv": sys.argv,
    }


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
