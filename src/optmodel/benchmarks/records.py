"""Per-problem benchmark results (one JSON line each) and the failure categories they use.

A run appends one :class:`ResultRecord` per problem to a JSONL file, so a killed run resumes without
loss; :func:`optmodel.benchmarks.summary.summarize` turns records into accuracy tables.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optmodel.benchmarks.datasets.problem import Problem, problem_kind
from optmodel.benchmarks.scoring import DEFAULT_RULE, Prediction, PredictionStatus, score
from optmodel.errors import OptmodelError

#: Bumped when a field changes meaning; readers can refuse or migrate older lines.
RECORD_SCHEMA_VERSION = 1

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class FailureCategory(str, enum.Enum):
    """Why a problem was not solved correctly (``none`` when it was)."""

    NONE = "none"
    NO_MODEL = "no_model"  # no model could be extracted from the LLM's answer
    INVALID_MODEL = "invalid_model"  # a model came back but failed validation
    COMPILE_ERROR = "compile_error"  # valid-looking model that did not compile
    SOLVER_ERROR = "solver_error"  # the solver crashed or refused the model
    INFEASIBLE = "infeasible"  # the model is infeasible, the problem is not
    UNBOUNDED = "unbounded"  # the model is unbounded, the problem is not
    WRONG_OBJECTIVE = "wrong_objective"  # solved, but the objective value is wrong
    TIMEOUT = "timeout"  # no answer within the time limit
    LLM_ERROR = "llm_error"  # the LLM provider failed after retries
    MISSING_DATA = "missing_data"  # the model said the text lacks data that decides the answer
    PENDING = "pending"  # waiting for offline batch results; not a result yet


class ResultRecord(BaseModel):
    """What one method did on one benchmark problem. Serialises to one JSON line.

    ``correct`` maps each scoring rule's name to True/False, or None when the ground truth is
    unknown. Times are wall-clock seconds; ``total_s`` includes everything.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = RECORD_SCHEMA_VERSION
    problem_id: str = Field(min_length=1)
    dataset: str = Field(min_length=1)
    method: str = Field(min_length=1)
    sample_count: int = Field(default=1, ge=1)
    correct: dict[str, bool | None] = Field(default_factory=dict)
    status: PredictionStatus | None = None
    objective: FiniteFloat | None = None
    expected: FiniteFloat | None = None
    expected_status: Literal["optimal", "infeasible", "unknown"] = "optimal"
    valid_model: bool = False
    llm_calls: Count = 0
    tokens_in: Count = 0
    tokens_out: Count = 0
    attempts: Count = 0
    llm_s: Seconds = 0.0
    compile_s: Seconds = 0.0
    solve_s: Seconds = 0.0
    total_s: Seconds = 0.0
    failure: FailureCategory = FailureCategory.NONE
    problem_type: str = "UNKNOWN"
    has_table: bool = False
    error: str | None = None
    #: Method-specific, JSON-serialisable details (e.g. the model name, seed, retrieved insights).
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_pending(self) -> bool:
        return self.failure is FailureCategory.PENDING

    def to_json_line(self) -> str:
        """One line of JSON (no trailing newline)."""
        return self.model_dump_json()

    @classmethod
    def from_json_line(cls, line: str) -> ResultRecord:
        """Parse one line written by :meth:`to_json_line`; bad input raises :class:`OptmodelError`."""
        try:
            return cls.model_validate_json(line)
        except ValidationError as exc:
            raise OptmodelError(f"not a valid result record: {exc}") from exc

    @classmethod
    def from_prediction(
        cls,
        problem: Problem,
        method: str,
        prediction: Prediction,
        *,
        failure: FailureCategory | None = None,
        **details: Any,
    ) -> ResultRecord:
        """Score ``prediction`` against ``problem`` under every rule and build the record.

        ``failure`` defaults to what the prediction shows (see :func:`classify_failure`); a prediction
        with status ``error`` needs an explicit category (only the caller knows why it failed).
        ``details`` are the remaining fields (``valid_model``, ``llm_calls``, ``tokens_in``, times, ...).
        """
        correct = score(prediction, problem)
        if failure is None:
            failure = classify_failure(prediction, correct.get(DEFAULT_RULE))
        return cls(
            problem_id=problem.id,
            dataset=problem.dataset,
            method=method,
            correct=correct,
            status=prediction.status,
            objective=prediction.value,
            expected=problem.answer,
            expected_status=problem.answer_status,
            failure=failure,
            problem_type=problem_kind(problem),
            has_table=problem.has_table,
            **details,
        )


def classify_failure(prediction: Prediction, correct: bool | None) -> FailureCategory:
    """The failure category a prediction shows by itself (correct or unscored: ``none``)."""
    status = prediction.status
    if status is PredictionStatus.ERROR:
        raise ValueError("an 'error' prediction needs an explicit failure category")
    if correct is None or correct:
        return FailureCategory.NONE
    if status is PredictionStatus.UNBOUNDED:
        return FailureCategory.UNBOUNDED
    if status.says_no_optimum:
        return FailureCategory.INFEASIBLE
    return FailureCategory.WRONG_OBJECTIVE
