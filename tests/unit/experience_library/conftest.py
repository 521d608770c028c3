"""Fixtures for the experience-library tests: a real SQLite library file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from optmodel.experience_library import InsightStore


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def store(library_path: Path) -> Iterator[InsightStore]:
    with InsightStore(library_path) as opened:
        yield opened
