"""Golden Formulations of benchmark problems solve to the benchmark's answer.

Each tests/data/golden/<dataset id>.json is our own faithful model of one problem from NL4OPT, NLP4LP,
OptiBench, LogiOR, ComplexOR or MAMO (see /work/shared/datasets). manifest.json records the dataset's answer
and whether we agree with it: for ``status: ok`` the model must reach the dataset answer (an answer of
``null`` means the dataset says the problem is infeasible); for ``status: label-error`` the dataset answer is
wrong for the problem as written, the note says why, and the model must reach ``model_objective`` instead.

Many use the language-v2 features as a careful user would (the manifest notes say which): computed
parameters (distances from coordinates, time horizons), tuple arc sets, logical constraints whose big-M comes
from variable bounds, piecewise functions, ordered-set functions, declared table layouts; these carry no
hand-computed table and no hand-picked M.

Every problem is small (most solve in well under a second, the largest routing models in seconds); the
per-test timeout only guards against a hang.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optmodel.modeling.checks.validate import validate
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.modeling.solution_check import check_solution
from optmodel.solvers.base import SolveOptions, TerminationCondition
from optmodel.solvers.classify import ProblemClass, classify
from optmodel.solvers.registry import solve_model

pytestmark = pytest.mark.timeout(120)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
MANIFEST: dict[str, dict[str, Any]] = json.loads((GOLDEN / "manifest.json").read_text("utf-8"))
IDS = sorted(MANIFEST)
#: Relative tolerance on objective values: |y - y_hat| <= REL_TOL * max(1, |y|).
REL_TOL = 1e-4
#: Largest violation the independent checker may report at a returned solution (rows: relative).
MAX_VIOLATION = 1e-6
INFEASIBLE = (TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED)


def objective_matches(value: float, expected: float) -> bool:
    return abs(value - expected) <= REL_TOL * max(1.0, abs(expected))


def needs_scip(model: Any) -> bool:
    """True for the classes only SCIP solves here: beyond MILP and convex QP."""
    kind = classify(model)
    if kind.problem_class is ProblemClass.QP:
        return kind.convex is not True
    return kind.problem_class not in (ProblemClass.LP, ProblemClass.MILP)


def test_manifest_covers_every_golden_file() -> None:
    files = {p.stem for p in GOLDEN.glob("*.json") if p.name != "manifest.json"}
    assert files == set(MANIFEST)
    assert len(MANIFEST) >= 30
    assert {e["dataset"] for e in MANIFEST.values()} >= {"nl4opt", "nlp4lp", "optibench", "logior"}
    assert sum(e["has_table"] for e in MANIFEST.values()) >= 5
    for problem_id, entry in MANIFEST.items():
        assert entry["status"] in ("ok", "label-error"), problem_id
        if entry["status"] == "label-error":
            assert isinstance(entry["model_objective"], int | float), problem_id
            assert f"{entry['model_objective']:g}" in entry["note"], problem_id


@pytest.mark.parametrize("problem_id", IDS)
def test_golden_model_names_its_source_and_explains_itself(problem_id: str) -> None:
    formulation = load_formulation(GOLDEN / f"{problem_id}.json")
    assert formulation.description is not None
    assert formulation.description.startswith(problem_id)
    elements = [
        *formulation.sets.values(),
        *formulation.parameters.values(),
        *formulation.variables.values(),
        *formulation.constraints.values(),
        formulation.objective,
    ]
    assert all((e.description or "").strip() for e in elements), "every element needs a description"


@pytest.mark.parametrize("problem_id", IDS)
def test_golden_model_solves_to_dataset_answer(problem_id: str) -> None:
    entry = MANIFEST[problem_id]
    formulation = load_formulation(GOLDEN / f"{problem_id}.json")
    assert errors_only(validate(formulation)) == []
    compiled = compile_formulation(formulation)
    if needs_scip(compiled.model):
        pytest.importorskip("pyscipopt", reason="nonlinear problems are solved with SCIP")

    result = solve_model(
        compiled.model, solver="auto", options=SolveOptions(time_limit=60), symbols=compiled.symbols
    )

    expected = entry["model_objective"] if entry["status"] == "label-error" else entry["answer"]
    if expected is None:
        assert result.termination in INFEASIBLE, result.message
        return
    assert result.termination is TerminationCondition.OPTIMAL, result.message
    assert result.objective is not None
    assert objective_matches(result.objective, expected), (
        f"{problem_id}: {result.objective} != {expected}"
    )
    report = check_solution(formulation, result.solution, tol=MAX_VIOLATION)
    # Rows are judged relative to their size, as solvers' feasibility tolerances are (an equality with
    # right-hand side 1000 met to 1e-9 relative is met); bounds and integrality absolutely.
    assert report.max_relative_violation <= MAX_VIOLATION, report.summary()
    assert not report.bound_violations, report.summary()
    assert report.max_integrality_violation <= MAX_VIOLATION, report.summary()
    assert objective_matches(report.objective_value, expected)
