"""LP/MPS files in ``show`` and ``validate``: checked strictly, shown as the LP text HiGHS reads back."""

from __future__ import annotations

import tempfile
from pathlib import Path


def is_math_program(path: Path) -> bool:
    from optmodel.pipeline import MATH_PROGRAM_SUFFIXES

    return path.suffix.lower() in MATH_PROGRAM_SUFFIXES


def describe_math_program(path: Path) -> str:
    """A one-line summary of a readable LP/MPS file; raises ModelFileError naming what is damaged."""
    import pyomo.environ as pyo

    from optmodel.standard_form.io import read_model_file

    model, _ = read_model_file(path)
    variables = list(model.component_data_objects(pyo.Var))
    integers = sum(1 for v in variables if v.is_integer())
    rows = sum(1 for _ in model.component_data_objects(pyo.Constraint))
    return f"{len(variables)} variable(s) ({integers} integer), {rows} constraint(s)"


def math_program_text(path: Path) -> str:
    """The model in ``path`` written out as an LP file (the readable form of an MPS file)."""
    from optmodel.standard_form.io import read_model_file, write_lp

    model, symbols = read_model_file(path)
    with tempfile.TemporaryDirectory() as tmp:
        return write_lp(model, Path(tmp) / "model.lp", symbols).read_text(encoding="utf-8")
