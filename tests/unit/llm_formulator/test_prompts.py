"""The shipped prompts: few-shot examples that solve, the format guide's tuple-set example, one insight header."""

from __future__ import annotations

import json

import pytest

from optmodel.experience_library import format_for_prompt, starter_insights
from optmodel.llm.prompting import build_messages, default_examples, load_prompt
from optmodel.model_solver import run_formulation
from optmodel.modeling.language.load import load_formulation

#: The network example's optimum by hand: S1 via F-D1-S1 at (2 + 4) * 30; S2 via F-D2-S2 at (3 + 2) * 40.
NETWORK_OPTIMUM = 6 * 30 + 5 * 40


@pytest.mark.parametrize("example", default_examples(), ids=lambda e: e.problem[:30])
def test_every_few_shot_example_solves_to_an_optimum(example) -> None:  # type: ignore[no-untyped-def]
    run = run_formulation(load_formulation(json.loads(example.formulation_json)))
    assert run.ok and run.result is not None and run.result.status.value == "optimal"


def test_network_example_iterates_a_sparse_arc_set_and_states_its_readings() -> None:
    network = next(e for e in default_examples() if "(i, j) in ARCS" in e.formulation_json)
    formulation = load_formulation(json.loads(network.formulation_json))
    run = run_formulation(formulation)
    assert run.result is not None and run.result.objective == pytest.approx(NETWORK_OPTIMUM)
    assert len(formulation.sets["ARCS"].members or []) == 6  # only the roads that exist
    assert formulation.assumptions


def test_format_guide_names_tuple_sets_and_nonlinear_solving() -> None:
    guide = load_prompt("format.md")
    assert '"(i, j) in ARCS"' in guide and "SCIP" in guide and '"assumptions"' in guide


def test_tuple_set_syntax_of_the_guide_solves_with_a_quadratic_term_on_scip() -> None:
    model = load_formulation(
        {
            "sets": {"ARCS": [["a", "b"], ["b", "c"]]},
            "parameters": {"cap": {"index": ["ARCS"], "values": [["a", "b", 3], ["b", "c", 2]]}},
            "variables": {"f": {"index": ["ARCS"], "type": "integer"}},
            "objective": {
                "sense": "maximize",
                "expression": "sum(5 * f[i, j] - f[i, j] ** 2 for (i, j) in ARCS)",
            },
            "constraints": {
                "cap": {"forall": "(i, j) in ARCS", "expression": "f[i, j] <= cap[i, j]"}
            },
        }
    )
    run = run_formulation(model)
    assert run.result is not None and run.result.solver == "scip"
    assert run.result.objective == pytest.approx(
        6 + 6
    )  # f = 2 or 3 on a-b gives 6; f = 2 on b-c gives 6


def test_library_insights_carry_one_header() -> None:
    text = format_for_prompt(starter_insights()[:2])
    user = build_messages("Maximize x.", insights=text)[-1].content
    assert user.count("Modeling insights") == 1 and user.endswith("Problem:\nMaximize x.")
