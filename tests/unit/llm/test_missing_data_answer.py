"""Data the text lacks is never invented silently: listed beside the values assumed, or the model declines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_server import ChatServer, Reply, completion
from typer.testing import CliRunner

from optmodel.benchmarks.records import FailureCategory
from optmodel.benchmarks.runner import prediction_of
from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.main import app
from optmodel.llm.formulator import Formulator, FormulatorConfig
from optmodel.llm.missing_data import missing_data
from optmodel.llm.prompting import load_prompt
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.render import render_latex, render_text

PROBLEM = (
    "Ship medical supplies from hospital A to hospital D at least cost; routes cost as agreed."
)
DECLINE = '```json\n{"missing_data": ["the cost of each route between the hospitals"]}\n```'
SOLVABLE = (
    '```json\n{"variables": {"x": {"ub": 4}}, '
    '"objective": {"sense": "maximize", "expression": "2 * x"}}\n```'
)
ASSUMED = (
    '```json\n{"assumptions": ["every route costs 1 (the text gives no costs)"], '
    '"missing_data": ["the cost of each route"], "variables": {"x": {"ub": 4}}, '
    '"objective": {"sense": "maximize", "expression": "2 * x"}}\n```'
)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"missing_data": ["route costs", "  demand\nof D "]}, ("route costs", "demand of D")),
        ({"missing_data": "route costs"}, ("route costs",)),
        ({"missing_data": []}, None),
        ({"missing_data": ["", "  "]}, None),
        ({"missing_data": {"a": 1}}, None),
        ({"missing_data": ["x"], "variables": {}}, None),  # a Formulation: validated as one
        (["missing_data"], None),
    ],
)
def test_only_a_document_that_is_exactly_the_answer_counts(
    document: object, expected: tuple[str, ...] | None
) -> None:
    assert missing_data(document) == expected


def test_the_answer_is_bounded() -> None:
    items = missing_data({"missing_data": ["x" * 1000] * 100})
    assert items is not None and len(items) == 20 and all(len(i) == 300 for i in items)


def test_the_loop_ends_at_once_and_the_result_lists_what_is_missing() -> None:
    llm = ScriptedProvider()
    llm.enqueue(DECLINE)
    result = Formulator(llm, FormulatorConfig(max_attempts=4)).formulate(PROBLEM)
    assert len(llm.requests) == 1  # no repair turn asks the model to invent the costs
    assert not result.ok and result.formulation is None and result.result is None
    assert result.declined
    assert result.missing_data == ("the cost of each route between the hospitals",)
    assert "lacks data" in result.reason and "route between the hospitals" in result.reason
    assert [a.stage for a in result.attempts] == ["missing-data"]
    prediction, failure = prediction_of(result)
    assert prediction.objective is None and failure is FailureCategory.MISSING_DATA


def test_a_repair_turn_may_decline_too() -> None:
    llm = ScriptedProvider()
    llm.enqueue('```json\n{"variables": {"x": {}}, "objective": {"sense": "min"}}\n```', DECLINE)
    result = Formulator(llm, FormulatorConfig(max_attempts=4, verify=False)).formulate(PROBLEM)
    assert len(llm.requests) == 2
    assert [a.stage for a in result.attempts] == ["validate", "missing-data"]
    assert result.missing_data and not result.ok


def test_a_sample_that_solves_wins_over_one_that_declines() -> None:
    llm = ScriptedProvider()
    llm.enqueue(DECLINE, SOLVABLE)
    result = Formulator(llm, FormulatorConfig(samples=2, max_attempts=1)).formulate(PROBLEM)
    assert result.ok and result.result is not None and result.result.objective == pytest.approx(8)
    assert result.missing_data == ()


def test_an_answer_resting_on_assumed_data_is_solved_scored_and_says_so() -> None:
    llm = ScriptedProvider()
    llm.enqueue(ASSUMED)
    result = Formulator(llm, FormulatorConfig(max_attempts=1)).formulate(PROBLEM)
    assert result.ok and not result.declined
    assert result.missing_data == ("the cost of each route",)
    assert result.assumptions == ("every route costs 1 (the text gives no costs)",)
    prediction, failure = prediction_of(result)
    assert prediction.objective == pytest.approx(8) and failure is None
    assert result.formulation is not None
    assert result.formulation.to_dict()["missing_data"] == ["the cost of each route"]
    assert "Data the text does not give:\n  - the cost of each route" in render_text(
        result.formulation
    )
    assert "not in the text: the cost of each route" in render_latex(result.formulation)
    assert "missing_data" not in Formulation.model_validate(json.loads(SOLVABLE[8:-4])).to_dict()


def test_the_prompts_tell_the_model_how_to_decline() -> None:
    for name in ("system.md", "repair.md"):
        assert '{"missing_data": [' in load_prompt(name)
    assert '"missing_data": [' in load_prompt("format.md")


@pytest.mark.parametrize("command", ["formulate", "solve"])
def test_the_cli_lists_what_is_missing_and_exits_10(
    tmp_path: Path, chat_server: ChatServer, command: str
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(DECLINE))
    problem = tmp_path / "p.txt"
    problem.write_text(PROBLEM, encoding="utf-8")
    args = [command, str(problem), "--llm", f"openai:m@{chat_server.base_url}", "--no-cache"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == ExitCode.MISSING_DATA == 10, result.output
    assert "lacks data" in result.output and "route between the hospitals" in result.output
    assert len(chat_server.bodies) == 1
    if command == "solve":
        as_json = CliRunner().invoke(app, [*args, "--output", "json"])
        assert as_json.exit_code == ExitCode.MISSING_DATA
        payload = json.loads(as_json.stdout)
        assert payload["missing_data"] == ["the cost of each route between the hospitals"]
        assert payload["formulation"] is None


def test_solve_prints_the_answer_with_what_it_rests_on_and_exits_10(
    tmp_path: Path, chat_server: ChatServer
) -> None:
    chat_server.behaviour = lambda body, call: Reply(body=completion(ASSUMED))
    problem = tmp_path / "p.txt"
    problem.write_text(PROBLEM, encoding="utf-8")
    args = ["solve", str(problem), "--llm", f"openai:m@{chat_server.base_url}", "--no-cache"]
    table = CliRunner().invoke(app, [*args, "--attempts", "1"])
    assert table.exit_code == ExitCode.MISSING_DATA, table.output
    flat = " ".join(table.output.split())
    assert "rests on values the text does not give" in flat and "the cost of each route" in flat
    assert "every route costs 1" in flat  # the assumption that stands in for it
    as_json = CliRunner().invoke(app, [*args, "--attempts", "1", "--output", "json"])
    assert as_json.exit_code == ExitCode.MISSING_DATA
    payload = json.loads(as_json.stdout)
    assert payload["objective"] == pytest.approx(8)
    assert payload["missing_data"] == ["the cost of each route"]
