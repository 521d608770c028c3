"""A solved model read back in the problem's own terms: objective, non-zero decisions, binding constraints.

This is what a person (or the verification turn of the formulator) checks against the problem text: every
value carries the description the model gave it, indexed decisions and constraint families are compact
tables, and the report is bounded in size however large the model is.

>>> from optmodel.modeling.language.ir import Formulation
>>> f = Formulation.model_validate({
...     "variables": {"x": {"description": "tables built"}, "y": {"description": "chairs built"}},
...     "objective": {"sense": "max", "expression": "3*x + 2*y", "description": "profit in $"},
...     "constraints": {"wood": {"expression": "x + y <= 4", "description": "wood, in boards"}}})
>>> print(solution_report(f, {"x": 4.0, "y": 0.0}, 12.0))
Objective (maximize; profit in $): 12
Decisions with non-zero values (all others are 0):
- x = 4  (tables built)
Constraints:
- wood (wood, in boards): binding at 4
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import ModelData
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.solution_check import Violation, constraint_rows

#: Rows shown per indexed variable or constraint family; the rest are counted, not listed.
MAX_ROWS = 25
_ZERO = 1e-9


def solution_report(
    formulation: Formulation,
    solution: Mapping[str, Any],
    objective: float | None,
    data: ModelData | None = None,
) -> str:
    """The solution of ``formulation`` as plain text, in the names and descriptions of the model."""
    goal = formulation.objective
    basis = goal.description or goal.expression
    lines = [f"Objective ({goal.sense}; {basis}): {_number(objective)}"]
    reported = goal.reported_value(objective) if objective is not None else None
    if reported is not None:
        lines.append(
            f"Reported rounded to {goal.round_} decimal(s), as the model asks: {reported:g}"
        )
    lines.append("Decisions with non-zero values (all others are 0):")
    nonzero = 0
    for name, var in formulation.variables.items():
        entry = solution.get(name)
        about = f"  ({var.description})" if var.description else ""
        if isinstance(entry, Mapping):
            items = [(k, float(v)) for k, v in entry.items() if _nonzero(v)]
            if not items:
                continue
            nonzero += len(items)
            lines.append(f"- {name} {about.strip()}: {len(items)} of {len(entry)} entries non-zero")
            lines += _table(name, items)
        elif entry is not None and _nonzero(entry):
            nonzero += 1
            lines.append(f"- {name} = {_number(float(entry))}{about}")
    if not nonzero:
        lines.append("- (none: every decision is 0)")
    if formulation.constraints:
        lines.append("Constraints:")
        lines += _constraint_lines(formulation, solution, data)
    return "\n".join(lines)


def _constraint_lines(
    formulation: Formulation, solution: Mapping[str, Any], data: ModelData | None
) -> list[str]:
    if data is None:
        data, _ = resolve_data(formulation)
    try:
        rows = constraint_rows(formulation, solution, data)
    except Exception as exc:  # a report must not fail the solve it describes
        return [f"- (constraint activity unavailable: {exc})"]
    by_name: dict[str, list[Violation]] = {}
    for row in rows:
        by_name.setdefault(row.constraint, []).append(row)
    lines = []
    for name, cdef in formulation.constraints.items():
        family = by_name.get(name, [])
        about = f" ({cdef.description})" if cdef.description else ""
        if cdef.forall is None and len(family) == 1 and family[0].key is None:
            lines.append(f"- {name}{about}: {_state(family[0])}")
            continue
        binding = [r for r in family if _binding(r)]
        lines.append(f"- {name}{about}: {len(binding)} of {len(family)} rows binding")
        shown = family if len(family) <= MAX_ROWS else binding
        lines += _table(name, [(r.key, _state(r)) for r in shown])
        if len(shown) < len(family):
            lines.append(f"    ({len(family) - len(shown)} non-binding rows not listed)")
    return lines


def _table(name: str, items: list[tuple[Hashable, Any]]) -> list[str]:
    cells = [f"{_key(k)}: {_number(v) if isinstance(v, float) else v}" for k, v in items]
    lines = ["    " + "; ".join(cells[i : i + 4]) for i in range(0, min(len(cells), MAX_ROWS), 4)]
    if len(cells) > MAX_ROWS:
        lines.append(f"    ... and {len(cells) - MAX_ROWS} more entries of {name}")
    return lines


def _state(row: Violation) -> str:
    sides = f"lhs {_number(row.lhs)}, rhs {_number(row.rhs)}"
    if row.amount > _tight(row):
        return f"VIOLATED ({sides}{'; ' + row.message if row.message else ''})"
    return f"binding at {_number(row.lhs)}" if _binding(row) else f"slack ({sides})"


def _binding(row: Violation) -> bool:
    return (
        math.isfinite(row.lhs) and math.isfinite(row.rhs) and abs(row.lhs - row.rhs) <= _tight(row)
    )


def _tight(row: Violation) -> float:
    return 1e-6 * max(1.0, abs(row.lhs), abs(row.rhs)) if math.isfinite(row.lhs) else 0.0


def _key(key: Hashable) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ",".join(str(p) for p in parts)


def _nonzero(value: Any) -> bool:
    try:
        return abs(float(value)) > _ZERO
    except (TypeError, ValueError):
        return False


def _number(value: float | None) -> str:
    if value is None:
        return "(none)"
    if math.isfinite(value) and abs(value - round(value)) <= 1e-9 * max(1.0, abs(value)):
        return str(round(value))
    return f"{value:.6g}"


__all__ = ["solution_report"]
