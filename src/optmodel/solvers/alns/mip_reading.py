"""Read an MPS/LP file into :class:`MipData` with highspy, failing clearly on unreadable files.

HiGHS rejects an LP file that lacks the closing ``end`` keyword and leaves an *empty* model behind, whose
"optimum" is 0; solving it would report a wrong answer with a straight face. So the read status and the
model size are both checked here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from optmodel.errors import ModelFileError
from optmodel.silent_highs import new_highs
from optmodel.solvers.alns.mip_data import MipData

_SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz", ".mps.bz2", ".lp.bz2")


def read_mip_file(path: str | Path) -> MipData:
    """Read ``path`` (MPS or LP, optionally compressed) into a :class:`MipData`.

    Raises :class:`ModelFileError` when the file is missing, has an unknown suffix, cannot be parsed,
    or parses to a model without columns.
    """
    return mip_from_lp(read_highs(path).getLp(), name=Path(path).name)


def read_highs(path: str | Path, *, threads: int = 1, seed: int = 0) -> Any:
    """A silent ``highspy.Highs`` holding the model HiGHS read from ``path``, checked as
    :func:`read_mip_file` says."""
    import highspy

    file = Path(path)
    if not file.is_file():
        raise ModelFileError(f"model file not found: {file}")
    if not file.name.lower().endswith(_SUFFIXES):
        raise ModelFileError(f"{file}: expected an .mps or .lp file (optionally .gz/.bz2)")
    highs = new_highs()
    highs.setOptionValue("threads", threads)
    highs.setOptionValue("random_seed", seed)
    status = highs.readModel(str(file))
    hint = " (an LP file must end with the keyword 'end')" if ".lp" in file.name.lower() else ""
    if status == highspy.HighsStatus.kError:
        raise ModelFileError(f"{file}: HiGHS could not read this model file{hint}")
    if highs.getNumCol() == 0:
        raise ModelFileError(f"{file}: the file was read but holds no variables{hint}")
    return highs


def mip_from_lp(lp: Any, name: str) -> MipData:
    """Convert a ``highspy.HighsLp`` into :class:`MipData` (row-wise copy of its matrix)."""
    import highspy

    n, m = int(lp.num_col_), int(lp.num_row_)
    matrix = lp.a_matrix_
    start = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    value = np.asarray(matrix.value_, dtype=float)
    if matrix.format_ == highspy.MatrixFormat.kRowwise:
        row_start, row_index, row_value = start, index, value
    else:
        nnz = int(start[-1]) if len(start) else 0
        cols = np.repeat(np.arange(n), np.diff(start))
        rows = index[:nnz]
        order = np.lexsort((cols, rows))
        row_index, row_value = cols[order], value[:nnz][order]
        row_start = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=m))])
    integrality = list(lp.integrality_)
    integer = np.zeros(n, dtype=bool)
    if integrality:
        kinds = np.array([int(t) for t in integrality])
        if np.any((kinds == 2) | (kinds == 3)):
            raise ModelFileError(f"{name}: semi-continuous/semi-integer columns are not supported")
        integer = (kinds == 1) | (kinds == 4)
    names = list(lp.col_names_)
    col_names = tuple(names) if len(names) == n else tuple(f"C{j}" for j in range(n))
    inf = highspy.kHighsInf
    return MipData(
        name=name,
        col_names=col_names,
        cost=np.asarray(lp.col_cost_, dtype=float),
        offset=float(lp.offset_),
        maximize=lp.sense_ == highspy.ObjSense.kMaximize,
        col_lower=_infinite(np.asarray(lp.col_lower_, dtype=float), inf),
        col_upper=_infinite(np.asarray(lp.col_upper_, dtype=float), inf),
        integer=integer,
        row_lower=_infinite(np.asarray(lp.row_lower_, dtype=float), inf),
        row_upper=_infinite(np.asarray(lp.row_upper_, dtype=float), inf),
        row_start=row_start,
        row_index=row_index,
        row_value=row_value,
    )


def _infinite(values: np.ndarray, inf: float) -> np.ndarray:
    """Map HiGHS's infinity (1e30 by default) to numpy's, so arithmetic on bounds stays honest."""
    out = values.copy()
    out[out >= inf] = np.inf
    out[out <= -inf] = -np.inf
    return out
