"""The package's public names are discoverable and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import optmodel


def test_dir_lists_every_public_name() -> None:
    assert set(optmodel.__all__) <= set(dir(optmodel))
    for name in optmodel.__all__:
        assert getattr(optmodel, name) is not None


def test_import_optmodel_loads_neither_pandas_nor_pyomo() -> None:
    code = "import sys, optmodel; print(sorted(m for m in ('pandas', 'pyomo', 'highspy') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
