"""Strict reading of answer files (batch output, recorded responses): every line accounted for.

An answer file decides results, so a damaged line or two different answers under one id must stop the
run with the file and line, never pick one silently or crash with a traceback. Identical duplicates
(the same answer written twice, e.g. a batch output saved under two names) are harmless and pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from optmodel.errors import LLMError

T = TypeVar("T")


@dataclass(frozen=True)
class Place:
    """Where a line came from, printed as ``path:line``."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def json_lines(path: Path, what: str) -> Iterator[tuple[Place, Any]]:
    """Each non-blank line of ``path`` as (place, parsed JSON); raises LLMError naming the bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LLMError(f"cannot read {what} file {path}: {exc}") from exc
    for number, line in enumerate(raw.splitlines(), start=1):
        place = Place(path, number)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LLMError(f"{place} is not UTF-8 text ({exc}); fix or delete that line") from exc
        if not text.strip():
            continue
        try:
            yield place, json.loads(text)
        except json.JSONDecodeError as exc:
            raise LLMError(
                f"{place} is not a {what} line ({exc}); fix or delete that line"
            ) from exc


def malformed(place: Place, what: str, exc: Exception) -> LLMError:
    """The error for a line that is JSON but not a valid ``what`` line."""
    return LLMError(f"{place} is not a valid {what} line: {exc}; fix or delete that line")


@dataclass
class AnswerIndex(Generic[T]):
    """Answers by id, refusing two different answers for one id (``T`` must compare by value)."""

    what: str
    answers: dict[str, tuple[T, Place]]

    @classmethod
    def empty(cls, what: str) -> AnswerIndex[T]:
        return cls(what, {})

    def add(self, key: str, answer: T, place: Place) -> None:
        known = self.answers.get(key)
        if known is None:
            self.answers[key] = (answer, place)
        elif known[0] != answer:
            raise LLMError(
                f"two different {self.what} answers for id {key!r}: {known[1]} and {place}; "
                "delete the wrong one"
            )

    def __contains__(self, key: object) -> bool:
        return key in self.answers

    def __getitem__(self, key: str) -> T:
        return self.answers[key][0]
