"""Calling the injected callables: one batched call per stage, with the answer count checked."""

from __future__ import annotations

from collections.abc import Sequence

from optmodel.errors import LLMError

from .protocols import AttemptOutcome, Completer, FormulateAttempt, VerifyTask


def complete_checked(complete: Completer, prompts: Sequence[str]) -> list[str]:
    """Call the Completer once for all prompts and check it answered each."""
    if not prompts:
        return []
    answers = list(complete(list(prompts)))
    if len(answers) != len(prompts):
        raise LLMError(f"the completer returned {len(answers)} answers for {len(prompts)} prompts")
    return [a if isinstance(a, str) else str(a) for a in answers]


def attempt_checked(
    formulate: FormulateAttempt, tasks: Sequence[VerifyTask]
) -> list[AttemptOutcome]:
    """Call the FormulateAttempt once for all tasks and check it returned one outcome per task."""
    if not tasks:
        return []
    outcomes = list(formulate(list(tasks)))
    if len(outcomes) != len(tasks):
        raise ValueError(
            f"the formulate callable returned {len(outcomes)} outcomes for {len(tasks)} tasks"
        )
    return outcomes
