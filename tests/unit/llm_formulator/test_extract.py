"""Extraction of the Formulation document from LLM replies as they really come back."""

from __future__ import annotations

from optmodel.llm.extract import extract_document

MODEL = '{"variables": {"x": {}}, "objective": {"sense": "max", "expression": "x"}}'


def test_fenced_json_with_prose_around_it() -> None:
    reply = f"Here is the model.\n```json\n{MODEL}\n```\nThe variable x is the quantity produced."
    assert extract_document(reply).document == {
        "variables": {"x": {}},
        "objective": {"sense": "max", "expression": "x"},
    }


def test_last_fenced_block_wins_when_the_model_corrects_itself() -> None:
    first = MODEL.replace('"max"', '"min"')
    reply = f"```json\n{first}\n```\nWait, it should maximize:\n```json\n{MODEL}\n```"
    document = extract_document(reply).document
    assert document is not None and document["objective"]["sense"] == "max"


def test_bare_object_after_leading_prose_and_braces_inside_strings() -> None:
    reply = 'Sure! {"variables": {"x": {"description": "a {weird} name"}}, "objective": {"sense": "max", "expression": "x"}} done'
    document = extract_document(reply).document
    assert document is not None and document["variables"]["x"]["description"] == "a {weird} name"


def test_trailing_commas_are_forgiven() -> None:
    reply = '```json\n{"variables": {"x": {},}, "objective": {"sense": "max", "expression": "x",},}\n```'
    assert extract_document(reply).document is not None


def test_yaml_fence() -> None:
    reply = "```yaml\nvariables:\n  x: {}\nobjective:\n  sense: max\n  expression: x\n```"
    document = extract_document(reply).document
    assert document is not None and document["objective"]["expression"] == "x"


def test_broken_json_reports_where() -> None:
    extraction = extract_document('```json\n{"variables": {"x": {}\n```')
    assert extraction.document is None
    assert "invalid JSON" in extraction.error and "line" in extraction.error


def test_empty_and_prose_only_replies() -> None:
    assert "empty" in extract_document("   ").error
    assert extract_document("I cannot help with that.").document is None
