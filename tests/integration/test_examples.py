"""The hand-written examples in examples/ load, validate, compile and solve to their known optima.

tests/data/example_optima.json records each model's optimum and how it was verified independently of optmodel
(textbook value, closed form, brute force or scipy). These files double as the format's documentation and as
few-shot examples, so any change that breaks one of them breaks what users read first.
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

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (ROOT / "tests" / "data" / "example_optima.json").read_text("utf-8")
)
MODEL_FILES = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
NL_FILES = sorted(f"nl/{p.name}" for p in (EXAMPLES / "nl").glob("*.txt"))
#: Relative tolerance on objective values: |y - y_hat| <= REL_TOL * max(1, |y|).
REL_TOL = 1e-4
#: Largest violation the independent checker may report at a returned solution (rows: relative).
MAX_VIOLATION = 1e-6


def needs_scip(model: Any) -> bool:
    """True for the classes only SCIP solves here: beyond MILP and convex QP."""
    kind = classify(model)
    if kind.problem_class is ProblemClass.QP:
        return kind.convex is not True
    return kind.problem_class not in (ProblemClass.LP, ProblemClass.MILP)


def objective_matches(value: float, expected: float) -> bool:
    return abs(value - expected) <= REL_TOL * max(1.0, abs(expected))


def test_every_example_has_a_verified_optimum() -> None:
    assert MODEL_FILES, "no example models found"
    recorded = set(EXPECTED)
    assert set(MODEL_FILES) | set(NL_FILES) == recorded
    for name, entry in EXPECTED.items():
        assert isinstance(entry["objective"], int | float), name
        assert entry["source"].strip(), f"{name} says nothing about how its optimum is known"


@pytest.mark.parametrize("name", NL_FILES)
def test_natural_language_examples_are_plain_text(name: str) -> None:
    text = (EXAMPLES / name).read_text("utf-8").strip()
    assert len(text.split()) >= 30, "too short to state a problem"
    assert "{" not in text, "natural-language examples contain no model syntax"


@pytest.mark.parametrize("name", MODEL_FILES)
def test_example_explains_itself(name: str) -> None:
    formulation = load_formulation(EXAMPLES / name)
    assert formulation.description
    elements = [
        *formulation.sets.values(),
        *formulation.parameters.values(),
        *formulation.variables.values(),
        *formulation.constraints.values(),
        formulation.objective,
    ]
    undocumented = [e for e in elements if not (e.description or "").strip()]
    assert not undocumented, f"{name}: every element needs a description"


@pytest.mark.parametrize("name", MODEL_FILES)
def test_example_solves_to_known_optimum(name: str) -> None:
    formulation = load_formulation(EXAMPLES / name)
    assert errors_only(validate(formulation)) == []
    compiled = compile_formulation(formulation)
    if needs_scip(compiled.model):
        pytest.importorskip("pyscipopt", reason="nonlinear examples are solved with SCIP")

    result = solve_model(
        compiled.model, solver="auto", options=SolveOptions(time_limit=60), symbols=compiled.symbols
    )

    assert result.termination is TerminationCondition.OPTIMAL, result.message
    assert result.objective is not None
    expected = EXPECTED[name]["objective"]
    assert objective_matches(result.objective, expected), (
        f"{name}: {result.objective} != {expected}"
    )
    report = check_solution(formulation, result.solution, tol=MAX_VIOLATION)
    # Rows are judged relative to their size, as solvers' feasibility tolerances are (an equality with
    # right-hand side 1000 met to 1e-9 relative is met); bounds and integrality absolutely.
    assert report.max_relative_violation <= MAX_VIOLATION, report.summary()
    assert not report.bound_violations, report.summary()
    assert report.max_integrality_violation <= MAX_VIOLATION, report.summary()
    assert objective_matches(report.objective_value, expected)
