"""Test doubles at the LLM boundary only: a scripted Completer and a scripted FormulateAttempt.

Everything else in these tests is real: SQLite files, the store, retrieval, learning and refinement code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from optmodel.experience_library import AttemptOutcome, Insight, Problem, VerifyTask
from optmodel.experience_library.prompts import (
    APPLICABILITY_HEADER,
    DIAGNOSIS_HEADER,
    MERGE_HEADER,
    REWRITE_HEADER,
    TAXONOMY_HEADER,
)

Handler = Callable[[str], str]


class ScriptedLLM:
    """Answers each prompt with the handler registered for its kind; records every batched call."""

    def __init__(self, **handlers: Handler) -> None:
        self.handlers = {
            APPLICABILITY_HEADER: handlers.get("applicability"),
            DIAGNOSIS_HEADER: handlers.get("diagnosis"),
            MERGE_HEADER: handlers.get("merge"),
            REWRITE_HEADER: handlers.get("rewrite"),
            TAXONOMY_HEADER: handlers.get("taxonomy"),
        }
        self.calls: list[list[str]] = []

    def __call__(self, prompts: Sequence[str]) -> list[str]:
        self.calls.append(list(prompts))
        answers = []
        for prompt in prompts:
            header = prompt.splitlines()[0]
            handler = self.handlers.get(header)
            if handler is None:
                raise AssertionError(f"unexpected prompt kind: {header!r}")
            answers.append(handler(prompt))
        return answers

    def prompts_of(self, header: str) -> list[str]:
        return [p for batch in self.calls for p in batch if p.startswith(header)]


class ScriptedFormulator:
    """Correct exactly when ``fixes(task)`` says so; records every batched call."""

    def __init__(self, fixes: Callable[[VerifyTask], bool]) -> None:
        self.fixes = fixes
        self.calls: list[list[VerifyTask]] = []

    def __call__(self, tasks: Sequence[VerifyTask]) -> list[AttemptOutcome]:
        self.calls.append(list(tasks))
        outcomes = []
        for task in tasks:
            correct = self.fixes(task)
            outcomes.append(
                AttemptOutcome(
                    correct=correct,
                    status="optimal",
                    objective=task.problem.answer if correct else -1.0,
                    formulation_json='{"variables": {"trucks": {"type": "continuous"}}}',
                    feedback="" if correct else "objective 2.4 differs from what was expected",
                )
            )
        return outcomes

    @property
    def tasks(self) -> list[VerifyTask]:
        return [t for batch in self.calls for t in batch]


def listed_insights(prompt: str) -> list[dict[str, str]]:
    """The insights an applicability prompt lists: id, applies, not_applies."""
    found = []
    for block in re.split(r"\n(?=\[)", prompt.split("Candidate insights:\n", 1)[1]):
        head = re.match(r"\[([^\]]+)\]", block)
        if not head:
            continue
        applies = re.search(r"Applies when: (.*)", block)
        not_applies = re.search(r"Does NOT apply when: (.*)", block)
        found.append(
            {
                "id": head.group(1),
                "applies": applies.group(1) if applies else "",
                "not_applies": not_applies.group(1) if not_applies else "",
            }
        )
    return found


def problem_text(prompt: str) -> str:
    return prompt.split("<<<\n", 1)[1].split("\n>>>", 1)[0]


def insight_json(**overrides: Any) -> dict[str, Any]:
    """A complete candidate insight as an LLM would write it."""
    data: dict[str, Any] = {
        "title": "Countable things are integers",
        "taxonomy": {
            "track": "domain-modeling",
            "level1": "variable types",
            "level2": "integrality",
        },
        "applies_when": "decisions count whole trucks, people or machines",
        "does_not_apply_when": "quantities are divisible such as kilograms",
        "keywords": ["trucks", "how many"],
        "explanation": {
            "practice": "declare counts integer",
            "mistake": "continuous trucks",
            "why": "2.4 trucks cannot be bought",
        },
        "example": {
            "wrong": ["trucks >= demand / cap"],
            "right": ["cap * trucks >= demand"],
            "note": "trucks integer",
        },
    }
    data.update(overrides)
    return data


def insights_answer(*entries: dict[str, Any]) -> str:
    """An LLM answer wrapping insights in prose and a code fence, as real models do."""
    return "Here is my analysis.\n```json\n" + json.dumps({"insights": list(entries)}) + "\n```"


def make_insight(insight_id: str, **overrides: Any) -> Insight:
    data = insight_json(**overrides)
    data["id"] = insight_id
    return Insight.model_validate(data)


def problem(pid: str, text: str, answer: float | None = 3.0) -> Problem:
    return Problem(id=pid, text=text, answer=answer)
