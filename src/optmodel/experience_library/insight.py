"""An insight: one reusable, solver-verified piece of modeling advice.

An insight says *when* it applies (and when it does not), *what* to do and why, and shows a wrong and a
right version written in the Formulation's own expression language, e.g.
``wrong: "x[i] <= cap[i]"`` / ``right: "x[i] <= cap[i] * open[i]"``. The example expressions are parsed
with :func:`optmodel.modeling.language.expressions.parse` on validation, so a library never carries an example the
formulator could not write.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from optmodel.errors import ExpressionError
from optmodel.modeling.language.expressions import parse

#: Tracks an insight can belong to (level 0 of the taxonomy); others are accepted but unusual.
TRACKS = ("domain-modeling", "general-formulation", "data-and-units")

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$"
_LABEL = re.compile(r"[^a-z0-9]+")


def utc_now() -> str:
    """Current UTC time as an ISO-8601 string (seconds), the format every timestamp here uses."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def new_insight_id() -> str:
    """A fresh id that stays unique across processes learning at the same time."""
    return f"ins-{uuid.uuid4().hex[:10]}"


def _kebab(value: str) -> str:
    return _LABEL.sub("-", value.strip().lower()).strip("-")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Taxonomy(_Model):
    """Where the insight sits: track -> level-1 label -> level-2 label (kebab-case, normalised)."""

    track: str = Field(min_length=1, description="e.g. domain-modeling, general-formulation")
    level1: str = Field(min_length=1, description="e.g. linking-constraints")
    level2: str = Field(default="", description="e.g. big-m-with-real-bound (optional)")

    @field_validator("track", "level1", "level2")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return _kebab(value)

    def labels(self) -> list[str]:
        """The non-empty labels, top to bottom."""
        return [label for label in (self.track, self.level1, self.level2) if label]

    def __str__(self) -> str:
        return " / ".join(self.labels())


class Explanation(_Model):
    """The practice to follow, the mistake it prevents, and why the mistake gives a wrong model."""

    practice: str = Field(min_length=1)
    mistake: str = Field(min_length=1)
    why: str = Field(min_length=1)


class InsightExample(_Model):
    """Wrong versus right, as expressions of the Formulation language (one or more each)."""

    wrong: list[str] = Field(min_length=1)
    right: list[str] = Field(min_length=1)
    note: str = Field(default="", description="What the symbols mean, or a declaration change.")

    @field_validator("wrong", "right", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("wrong", "right")
    @classmethod
    def _parses(cls, value: list[str]) -> list[str]:
        for expression in value:
            try:
                parse(expression)
            except ExpressionError as exc:
                raise ValueError(f"{expression!r} is not a valid expression: {exc}") from None
        return value


class Provenance(_Model):
    """Where the insight came from."""

    origin: Literal["starter", "learned", "merged", "refined", "manual", "imported"] = "manual"
    source_problems: list[str] = Field(
        default_factory=list, description="Problem ids that taught it."
    )
    model: str = Field(default="", description="The LLM that proposed it, if any.")


class InsightStats(_Model):
    """How the insight has fared. ``helped``/``hurt``/``irrelevant`` compare with a baseline when one is
    known (wrong->right, right->wrong, unchanged); without a baseline a correct use counts as helped and a
    wrong use as hurt."""

    retrieved: int = Field(default=0, ge=0, description="Times it was on a first-stage shortlist.")
    selected: int = Field(default=0, ge=0, description="Times it reached a formulation prompt.")
    helped: int = Field(default=0, ge=0)
    hurt: int = Field(default=0, ge=0)
    irrelevant: int = Field(default=0, ge=0)


class Insight(_Model):
    """One modeling insight. Content fields are versioned by the store; ``stats`` are counters kept apart."""

    id: str = Field(default_factory=new_insight_id, pattern=_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    taxonomy: Taxonomy
    applies_when: str = Field(min_length=1, description="When this insight applies.")
    does_not_apply_when: str = Field(default="", description="When it must NOT be used.")
    explanation: Explanation
    example: InsightExample
    keywords: list[str] = Field(
        default_factory=list, description="Cue words seen in problem texts it applies to."
    )
    provenance: Provenance = Field(default_factory=Provenance)
    stats: InsightStats = Field(default_factory=InsightStats)
    status: Literal["active", "retired"] = "active"
    superseded_by: str = Field(
        default="", description="The insight that replaced this retired one."
    )
    version: int = Field(default=1, ge=1)
    merged_from: list[str] = Field(default_factory=list)
    refined_from: str = Field(default="", description="'id@version' this one was rewritten from.")
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)

    def content(self) -> dict[str, Any]:
        """The versioned part: everything except counters, version number and timestamps."""
        return self.model_dump(
            mode="json", exclude={"stats", "version", "created_at", "updated_at"}
        )

    def search_text(self) -> str:
        """The text first-stage retrieval indexes: taxonomy, title, conditions, keywords, explanation."""
        parts = [
            " ".join(self.taxonomy.labels()).replace("-", " "),
            self.title,
            self.applies_when,
            " ".join(self.keywords),
            self.explanation.practice,
            self.explanation.mistake,
        ]
        return "\n".join(parts)


class LibraryStats(BaseModel):
    """A summary of a library, for ``optmodel library stats``."""

    path: str
    schema_version: int
    insights_active: int
    insights_retired: int
    versions_total: int
    by_track: dict[str, int]
    by_origin: dict[str, int]
    retrievals_logged: int
    outcomes_recorded: int
    outcomes_correct: int
    llm_check_fallbacks: int
    learning_problems_done: int
    most_helpful: list[tuple[str, int]]
    most_harmful: list[tuple[str, int]]
