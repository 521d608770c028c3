"""Load :class:`MipData` into a highspy ``Highs`` object; solve its LP relaxation."""

from __future__ import annotations

from typing import Any

import numpy as np

from optmodel.errors import SolverError
from optmodel.silent_highs import new_highs
from optmodel.solvers.alns.mip_data import MipData
from optmodel.solvers.highs_threads import use_highs_threads


def build_highs(data: MipData, *, threads: int = 1, seed: int = 0, relax: bool = False) -> Any:
    """A silent ``highspy.Highs`` holding ``data`` (as an LP when ``relax``)."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = data.n_cols
    lp.num_row_ = data.n_rows
    lp.col_cost_ = data.cost.astype(float)
    lp.offset_ = data.offset
    lp.sense_ = highspy.ObjSense.kMaximize if data.maximize else highspy.ObjSense.kMinimize
    lp.col_lower_ = np.clip(data.col_lower, -inf, inf)
    lp.col_upper_ = np.clip(data.col_upper, -inf, inf)
    lp.row_lower_ = np.clip(data.row_lower, -inf, inf)
    lp.row_upper_ = np.clip(data.row_upper, -inf, inf)
    if not relax:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous for flag in data.integer]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = data.n_cols
    lp.a_matrix_.num_row_ = data.n_rows
    lp.a_matrix_.start_ = data.row_start.astype(np.int32)
    lp.a_matrix_.index_ = data.row_index.astype(np.int32)
    lp.a_matrix_.value_ = data.row_value.astype(float)
    highs = new_highs()
    highs.setOptionValue("threads", threads)
    highs.setOptionValue("random_seed", seed)
    if highs.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS rejected the model {data.name}")
    return highs


def lp_relaxation(data: MipData, time_limit: float, *, threads: int = 1) -> np.ndarray | None:
    """Optimal solution of the LP relaxation, or None when it is not solved within ``time_limit``."""
    import highspy

    if time_limit <= 0:
        return None
    highs = build_highs(data, threads=threads, relax=True)
    highs.setOptionValue("time_limit", float(time_limit))
    use_highs_threads(highs, threads)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(highs.getSolution().col_value, dtype=float)
