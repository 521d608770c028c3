"""Independent feasibility check of a solution against the original MPS file.

A small MPS reader of its own (no solver library involved) and a numpy evaluation of rows, bounds and
integrality, so a bug in how a method reads or maps the model cannot hide an infeasible answer.
Free-format MPS as written by HiGHS and used by MIPLIB: names must not contain spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FEAS_TOL = 1e-6
INT_TOL = 1e-5


@dataclass
class MpsModel:
    """Rows ``row_lower <= A x <= row_upper``; bounds; integrality; objective ``cost @ x + offset``."""

    name: str = ""
    maximize: bool = False
    col_names: list[str] = field(default_factory=list)
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    offset: float = 0.0
    col_lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    integer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    row_names: list[str] = field(default_factory=list)
    row_lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    entries: tuple[np.ndarray, np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0), np.zeros(0))

    def objective(self, x: np.ndarray) -> float:
        return float(self.cost @ x + self.offset)


def read_mps(path: Path) -> MpsModel:
    """Parse a free-format MPS file (N/E/L/G rows, MARKER integers, RHS, RANGES, BOUNDS)."""
    objective_row: str | None = None
    row_type: dict[str, str] = {}
    row_order: list[str] = []
    cols: dict[str, int] = {}
    col_int: list[bool] = []
    cost: dict[int, float] = {}
    triples: list[tuple[str, int, float]] = []
    rhs: dict[str, float] = {}
    ranges: dict[str, float] = {}
    bounds: list[tuple[str, int, float]] = []
    maximize = False
    in_integer = False
    section = ""
    name = ""
    for raw in path.read_text().splitlines():
        if not raw.strip() or raw.startswith("*"):
            continue
        tokens = raw.split()
        if not raw[0].isspace():
            section = tokens[0].upper()
            if section == "NAME" and len(tokens) > 1:
                name = tokens[1]
            if section == "OBJSENSE" and len(tokens) > 1:
                maximize = tokens[1].upper() in ("MAX", "MAXIMIZE")
            continue
        if section == "OBJSENSE":
            maximize = tokens[0].upper() in ("MAX", "MAXIMIZE")
        elif section == "ROWS":
            kind, row = tokens[0].upper(), tokens[1]
            if kind == "N":
                objective_row = objective_row or row
            else:
                row_type[row] = kind
                row_order.append(row)
        elif section == "COLUMNS":
            if len(tokens) >= 3 and tokens[1].strip("'").upper() == "MARKER":
                in_integer = "INTORG" in tokens[2].upper()
                continue
            col = tokens[0]
            if col not in cols:
                cols[col] = len(cols)
                col_int.append(in_integer)
            j = cols[col]
            for row, text in zip(tokens[1::2], tokens[2::2], strict=True):
                if row == objective_row:
                    cost[j] = float(text)
                elif row in row_type:
                    triples.append((row, j, float(text)))
        elif section in ("RHS", "RANGES"):
            pairs = tokens[1:] if len(tokens) % 2 == 1 else tokens
            target = rhs if section == "RHS" else ranges
            for row, text in zip(pairs[0::2], pairs[1::2], strict=True):
                target[row] = float(text)
        elif section == "BOUNDS":
            kind, col = tokens[0].upper(), tokens[2]
            bound = float(tokens[3]) if len(tokens) > 3 else 0.0
            bounds.append((kind, cols[col], bound))
    n = len(cols)
    lower, upper = np.zeros(n), np.full(n, np.inf)
    integer = np.array(col_int, dtype=bool)
    # HiGHS and most readers: an integer declared by markers without bounds is binary.
    has_bound = np.zeros(n, dtype=bool)
    for kind, j, value in bounds:
        has_bound[j] = True
        if kind == "UP":
            upper[j] = value
            if value < 0 and lower[j] == 0:
                lower[j] = -np.inf
        elif kind == "LO":
            lower[j] = value
        elif kind == "FX":
            lower[j] = upper[j] = value
        elif kind == "FR":
            lower[j], upper[j] = -np.inf, np.inf
        elif kind == "MI":
            lower[j] = -np.inf
        elif kind == "PL":
            upper[j] = np.inf
        elif kind == "BV":
            lower[j], upper[j] = 0.0, 1.0
            integer[j] = True
        elif kind == "LI":
            lower[j], integer[j] = value, True
        elif kind == "UI":
            upper[j], integer[j] = value, True
        else:
            raise ValueError(f"{path}: bound type {kind} is not supported")
    upper[integer & ~has_bound] = 1.0
    m = len(row_order)
    row_index = {row: i for i, row in enumerate(row_order)}
    row_lower, row_upper = np.full(m, -np.inf), np.full(m, np.inf)
    for row, i in row_index.items():
        b, kind = rhs.get(row, 0.0), row_type[row]
        r = ranges.get(row)
        if kind == "E":
            row_lower[i] = row_upper[i] = b
            if r is not None:
                (row_upper if r > 0 else row_lower)[i] = b + r
        elif kind == "L":
            row_upper[i] = b
            if r is not None:
                row_lower[i] = b - abs(r)
        else:
            row_lower[i] = b
            if r is not None:
                row_upper[i] = b + abs(r)
    model = MpsModel(
        name=name,
        maximize=maximize,
        col_names=list(cols),
        cost=np.array([cost.get(j, 0.0) for j in range(n)]),
        offset=-rhs.get(objective_row, 0.0) if objective_row else 0.0,
        col_lower=lower,
        col_upper=upper,
        integer=integer,
        row_names=row_order,
        row_lower=row_lower,
        row_upper=row_upper,
    )
    model.entries = (
        np.array([row_index[r] for r, _, _ in triples], dtype=np.int64),
        np.array([j for _, j, _ in triples], dtype=np.int64),
        np.array([v for _, _, v in triples]),
    )
    return model


@dataclass(frozen=True)
class Check:
    """Outcome of checking one solution."""

    feasible: bool
    objective: float
    row_violation: float
    bound_violation: float
    integrality_violation: float
    missing: int  # columns the solution did not name

    def describe(self) -> str:
        return (
            f"{'feasible' if self.feasible else 'INFEASIBLE'} (rows {self.row_violation:.1e}, "
            f"bounds {self.bound_violation:.1e}, integrality {self.integrality_violation:.1e}, "
            f"missing {self.missing})"
        )


def check_solution(model: MpsModel, solution: Mapping[str, float]) -> Check:
    """Evaluate ``solution`` (column name -> value) on ``model`` with relative row tolerances."""
    x = np.array([float(solution.get(name, np.nan)) for name in model.col_names])
    missing = int(np.isnan(x).sum())
    x = np.nan_to_num(x)
    rows, cols, values = model.entries
    activity = np.bincount(rows, weights=values * x[cols], minlength=len(model.row_names))
    scale = 1.0 + np.abs(activity)
    row_violation = float(
        np.max(
            np.maximum(model.row_lower - activity, activity - model.row_upper) / scale, initial=0.0
        )
    )
    bound_violation = float(
        np.max(np.maximum(model.col_lower - x, x - model.col_upper), initial=0.0)
    )
    ints = x[model.integer]
    integrality = float(np.max(np.abs(ints - np.round(ints)), initial=0.0))
    feasible = (
        missing == 0
        and row_violation <= FEAS_TOL
        and bound_violation <= FEAS_TOL
        and integrality <= INT_TOL
    )
    return Check(
        feasible,
        model.objective(x),
        max(row_violation, 0.0),
        max(bound_violation, 0.0),
        integrality,
        missing,
    )
