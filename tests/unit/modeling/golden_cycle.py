"""Every stage over one golden model, as a solve and a report would run them (shared by the once-tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optmodel.modeling.checks.validate import validate_resolved
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.matrix import NotVectorizable, build_matrix, check_matrix_solution
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.modeling.render import render_latex, render_markdown, render_text
from optmodel.modeling.solution_check import check_solution

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"


def _zero_values(compiled: Any, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        var = compiled.var(name)
        values[name] = {k: 0.0 for k in var.index_set()} if var.is_indexed() else 0.0
    return values


def full_cycle(path: Path) -> None:
    formulation = load_formulation(path)
    issues, data = validate_resolved(formulation)
    assert not errors_only(issues), path.name
    assert data is not None
    compiled = compile_formulation(formulation, data)
    values = _zero_values(compiled, list(formulation.variables))
    check_solution(formulation, values, data)
    try:
        matrix = build_matrix(formulation, data)
    except NotVectorizable:
        pass  # nonlinear or logic: the Pyomo path above is the one used
    else:
        check_matrix_solution(matrix, values)
    render_text(formulation)
    render_latex(formulation)
    render_markdown(formulation)
