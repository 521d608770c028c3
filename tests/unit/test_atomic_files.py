"""Files others read are replaced whole: concurrent readers never see an empty or partial file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optmodel.atomic_files import atomic_output, write_atomically

# A separate process rewrites the library export over and over, as `optmodel library export` does.
WRITER = """
import sys
from optmodel.experience_library.exchange import export_library
from optmodel.experience_library import load_starter_library
from optmodel.experience_library.store import InsightStore

store = InsightStore(sys.argv[1])
load_starter_library(store)
print(len(store.insights()), flush=True)
for _ in range(int(sys.argv[3])):
    export_library(store, sys.argv[2])
"""


def test_readers_never_see_a_half_written_library_export(tmp_path: Path) -> None:
    export = tmp_path / "library.yaml"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "lib.db"), str(export), "150"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert writer.stdout is not None
    expected = int(writer.stdout.readline())
    reads = 0
    while writer.poll() is None:
        if not export.exists():
            continue
        document = yaml.safe_load(export.read_text(encoding="utf-8"))
        assert document is not None and len(document["insights"]) == expected
        reads += 1
    assert writer.returncode == 0
    assert reads > 0  # the reader really raced the writer
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_atomically(target, '{"old": true}')
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        assert temp.name.startswith(".") and not temp.name.endswith(".json")  # no scan picks it up
        temp.write_text('{"new"')
        raise RuntimeError("killed half-way")
    assert target.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_the_file_gets_ordinary_permissions_and_keeps_the_suffix_for_format_sniffing(
    tmp_path: Path,
) -> None:
    target = tmp_path / "plots" / "accuracy.png"
    with atomic_output(target, suffix=".png") as temp:
        assert temp.parent == target.parent and temp.suffix == ".png"
        temp.write_bytes(b"png")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
