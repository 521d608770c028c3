"""Structured problems found in a Formulation, written to be read by people and fed back to an LLM."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class IssueCode(str, enum.Enum):
    """Stable codes; tools and tests match on these, never on message text."""

    SCHEMA = "schema"  # wrong shape: unknown field, wrong type, missing field
    SYNTAX = "syntax"  # expression does not parse
    FORBIDDEN_SYNTAX = "forbidden-syntax"  # parses, but outside the whitelisted language
    UNKNOWN_NAME = "unknown-name"
    DUPLICATE_NAME = "duplicate-name"
    INDEX_ARITY = "index-arity"
    SET_ORDER = "set-used-before-definition"
    MISSING_DATA = "missing-data"
    NON_NUMERIC = "non-numeric-data"
    AMBIGUOUS_DATA = "ambiguous-data"  # a table that reads two ways; its "layout" must say which
    BOUND_CONFLICT = "bound-conflict"
    MISSING_BOUND = "missing-bound"  # a logical constraint's reformulation needs a variable's bound
    WEAK_BIG_M = "weak-big-m"  # a hand-written big-M smaller than the bound it must dominate
    STRICT_INEQUALITY = "strict-inequality"
    NOT_A_CONSTRAINT = "not-a-constraint"
    EMPTY_SUM = "empty-sum"
    NO_VARIABLES = "constraint-without-variables"
    UNBOUNDED_OBJECTIVE = "unbounded-looking-objective"
    TYPE_MISMATCH = "type-mismatch"
    UNUSED_VARIABLE = "unused-variable"  # declared but in no constraint and not in the objective
    UNSUPPORTED = "unsupported"
    NUMBER_TOO_LARGE = "number-too-large"  # beyond Limits.max_magnitude: solvers lose all precision
    TOO_LARGE = "model-too-large"  # beyond a size limit: building it would exhaust memory or time


@dataclass(frozen=True)
class Issue:
    """One problem: where (``constraints.capacity.expression``), what (stable code), why, and what to do."""

    path: str
    code: IssueCode
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        text = f"[{self.severity.value}] {self.path}: {self.message} ({self.code.value})"
        return f"{text}. Hint: {self.hint}" if self.hint else text

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def errors_only(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity is Severity.ERROR]
