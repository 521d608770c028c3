"""Why a HiGHS model has no answer: conflicting rows (IIS) when infeasible, runaway columns when unbounded.

HiGHS's own IIS (``getIis``) is used when it gives a valid one; it does not for integer infeasibility,
so then a deletion filter over the rows (repeated feasibility solves, capped in time) finds one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.standard_form import StandardForm
from optmodel.standard_form.highs_model import build_highs

if TYPE_CHECKING:
    import highspy

_IIS_IRREDUCIBLE = 3  # kIisModelStatusIrreducible (highspy does not bind the enum)
_IIS_REDUCIBLE = 2
_TRUE_IIS_STRATEGY = 4
_RAY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Conflict:
    """Rows and columns (by number) whose constraints/bounds cannot hold together."""

    rows: tuple[int, ...]
    cols: tuple[int, ...]
    #: "irreducible", "reducible" (a conflict set, maybe not minimal) or "none" (nothing found)
    quality: str
    method: str


def feasibility_highs(form: StandardForm, integer: bool = True) -> highspy.Highs:
    """The model with a zero objective (and optionally without integrality): a pure feasibility problem."""
    highs = build_highs(_without_objective(form))
    if not integer:
        _relax_integrality(highs, form)
    return highs


def find_conflict(highs: highspy.Highs, form: StandardForm, time_cap: float) -> Conflict:
    """An IIS for the infeasible model loaded in ``highs`` (already run), within about ``time_cap`` seconds."""
    highs.setOptionValue("iis_strategy", _TRUE_IIS_STRATEGY)
    highs.setOptionValue("iis_time_limit", max(time_cap, 0.1))
    status, iis = highs.getIis()
    if status.name != "kError" and iis.valid_ and iis.status_ in (_IIS_IRREDUCIBLE, _IIS_REDUCIBLE):
        quality = "irreducible" if iis.status_ == _IIS_IRREDUCIBLE else "reducible"
        relaxation = " of the LP relaxation" if form.integer.any() else ""
        return Conflict(
            tuple(int(r) for r in iis.row_index_),
            tuple(int(c) for c in iis.col_index_),
            quality,
            f"HiGHS IIS{relaxation}",
        )
    return deletion_filter(form, time_cap)


def deletion_filter(form: StandardForm, time_cap: float) -> Conflict:
    """Drop rows one at a time, keeping each drop that leaves the model infeasible; what remains is an IIS
    over the rows (variable bounds stay in force). Stops at ``time_cap`` with a possibly reducible set."""
    import highspy

    deadline = time.perf_counter() + time_cap
    highs = feasibility_highs(form)
    if _run_until(highs, deadline) != highspy.HighsModelStatus.kInfeasible:
        return Conflict((), (), "none", "deletion filter (infeasibility not confirmed in time)")
    inf = highspy.kHighsInf
    kept: list[int] = []
    complete = True
    for row in range(form.n_rows):
        if time.perf_counter() >= deadline:
            kept.extend(range(row, form.n_rows))
            complete = False
            break
        highs.changeRowBounds(row, -inf, inf)
        status = _run_until(highs, deadline)
        if status == highspy.HighsModelStatus.kInfeasible:
            continue  # still infeasible without it: not needed
        highs.changeRowBounds(row, form.row_lower[row], form.row_upper[row])
        kept.append(row)
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty):
            complete = False  # undecided (time limit): kept to stay safe
    quality = "irreducible" if complete else "reducible"
    return Conflict(tuple(kept), (), quality, "deletion filter over the rows")


def runaway_columns(highs: highspy.Highs, form: StandardForm, time_cap: float) -> list[int]:
    """Columns that move along an unbounded ray: HiGHS's primal ray, else the ray of the LP relaxation."""
    columns = _ray_columns(highs)
    if columns is not None:
        return columns
    relaxation = build_highs(form)
    _relax_integrality(relaxation, form)
    relaxation.setOptionValue("presolve", "off")  # presolve can detect unboundedness without a ray
    relaxation.setOptionValue("time_limit", max(time_cap, 0.1))
    relaxation.run()
    return _ray_columns(relaxation) or []


def _relax_integrality(highs: highspy.Highs, form: StandardForm) -> None:
    if not form.integer.any():
        return
    import highspy

    cols = np.flatnonzero(form.integer).astype(np.int32)
    kinds = np.full(len(cols), int(highspy.HighsVarType.kContinuous), dtype=np.uint8)
    highs.changeColsIntegrality(len(cols), cols, kinds)


def _ray_columns(highs: highspy.Highs) -> list[int] | None:
    try:
        status, exists, ray = highs.getPrimalRay()  # type: ignore[attr-defined]
    except Exception:  # highspy raises when no ray is held
        return None
    if status.name == "kError" or not exists:
        return None
    return [int(j) for j in np.flatnonzero(np.abs(np.asarray(ray)) > _RAY_TOLERANCE)]


def _run_until(highs: highspy.Highs, deadline: float) -> Any:
    import highspy

    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return highspy.HighsModelStatus.kTimeLimit
    highs.setOptionValue("time_limit", remaining)
    highs.run()
    return highs.getModelStatus()


def _without_objective(form: StandardForm) -> StandardForm:
    return replace(
        form,
        objective_linear=np.zeros(form.n_cols),
        objective_offset=0.0,
        objective_nonlinear=None,
    )
