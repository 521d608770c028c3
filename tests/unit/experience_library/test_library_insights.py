"""Insights validate their content, and the shipped starter library is sound."""

from __future__ import annotations

import doctest

import pytest
from library_doubles import insight_json
from pydantic import ValidationError

import optmodel.experience_library
from optmodel.experience_library import (
    TRACKS,
    Insight,
    InsightStore,
    format_for_prompt,
    load_starter_library,
    starter_insights,
)
from optmodel.modeling.language.expressions import parse


def test_example_expressions_must_parse_and_the_error_names_the_field() -> None:
    data = insight_json(example={"wrong": "x[i] <= cap[i]", "right": "x[i] <= cap[i] *"})
    with pytest.raises(ValidationError) as caught:
        Insight.model_validate(data)
    assert "example.right" in str(caught.value)
    assert "not a valid expression" in str(caught.value)


def test_single_expression_examples_and_taxonomy_labels_are_normalised() -> None:
    insight = Insight.model_validate(
        insight_json(
            taxonomy={"track": "Domain Modeling", "level1": "Variable Types", "level2": ""},
            example={"wrong": "x[i] <= cap[i]", "right": "x[i] <= cap[i] * open[i]"},
        )
    )
    assert insight.example.right == ["x[i] <= cap[i] * open[i]"]
    assert str(insight.taxonomy) == "domain-modeling / variable-types"
    assert insight.id.startswith("ins-") and insight.version == 1


def test_starter_library_is_curated_and_every_example_parses() -> None:
    insights = starter_insights()
    assert 15 <= len(insights) <= 25
    assert len({i.id for i in insights}) == len(insights)
    for insight in insights:
        assert insight.taxonomy.track in TRACKS
        assert insight.applies_when and insight.does_not_apply_when
        assert insight.provenance.origin == "starter"
        for expression in insight.example.wrong + insight.example.right:
            parse(expression)  # raises on anything outside the expression language
    topics = " ".join(i.id for i in insights)
    for topic in ("big-m", "integer", "time-units", "percent", "ratio", "either-or", "fixed-costs",
                  "flow", "inventory", "assignment", "minimum-if-produced", "min-max", "free",
                  "per-unit", "shared-capacity"):  # fmt: skip
        assert topic in topics


def test_starter_library_loads_once_and_reloading_keeps_user_edits(store: InsightStore) -> None:
    report = load_starter_library(store)
    assert len(report.added) == len(starter_insights())
    edited = store.get("starter-percentages")
    store.update(edited.model_copy(update={"title": "Percent means divide by 100"}), reason="edit")
    again = load_starter_library(store)
    assert again.added == [] and "starter-percentages" in again.skipped
    assert store.get("starter-percentages").title == "Percent means divide by 100"


def test_format_for_prompt_shows_conditions_explanation_and_example() -> None:
    insight = starter_insights()[0]
    text = format_for_prompt([insight])
    assert insight.title in text
    assert "Does NOT apply when:" in text
    assert insight.explanation.mistake in text
    assert f"`{insight.example.wrong[0]}`" in text and f"`{insight.example.right[0]}`" in text
    assert format_for_prompt([]) == ""


def test_the_package_docstring_example_runs() -> None:
    assert doctest.testmod(optmodel.experience_library).failed == 0
