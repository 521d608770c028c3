"""Write a MIP given as arrays to an MPS file through highspy (the generators' only output path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class SparseRows:
    """Rows collected one at a time: ``lower <= sum(values * x[indices]) <= upper``."""

    indptr: list[int]
    indices: list[int]
    values: list[float]
    lower: list[float]
    upper: list[float]

    @classmethod
    def empty(cls) -> SparseRows:
        return cls([0], [], [], [], [])

    def add(self, indices: list[int], values: list[float], lower: float, upper: float) -> None:
        """Append one row."""
        self.indices.extend(int(i) for i in indices)
        self.values.extend(float(v) for v in values)
        self.indptr.append(len(self.indices))
        self.lower.append(lower)
        self.upper.append(upper)

    def __len__(self) -> int:
        return len(self.lower)


def write_mps(
    path: Path,
    *,
    cost: np.ndarray,
    maximize: bool,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    rows: SparseRows,
    col_prefix: str = "x",
) -> Path:
    """Write ``min/max cost @ x`` subject to ``rows`` and bounds as free MPS; returns ``path``."""
    import highspy

    inf = highspy.kHighsInf
    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.where(np.isinf(col_upper), inf, col_upper).astype(float)
    lp.row_lower_ = np.where(np.isinf(rows.lower), -inf, rows.lower).astype(float)
    lp.row_upper_ = np.where(np.isinf(rows.upper), inf, rows.upper).astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integer
    ]
    lp.col_names_ = [f"{col_prefix}{j}" for j in range(n)]
    lp.row_names_ = [f"c{i}" for i in range(len(rows))]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rows)
    lp.a_matrix_.start_ = np.asarray(rows.indptr, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(rows.indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(rows.values, dtype=float)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if highs.passModel(lp) != highspy.HighsStatus.kOk:
        raise RuntimeError(f"highspy rejected the generated model for {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if highs.writeModel(str(path)) != highspy.HighsStatus.kOk:
        raise RuntimeError(f"highspy could not write {path}")
    return path
