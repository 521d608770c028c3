"""One benchmark problem, and how a JSON record becomes one (with every problem reported clearly)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AnswerStatus = Literal["optimal", "infeasible", "unknown"]
ANSWER_STATUSES: tuple[str, ...] = ("optimal", "infeasible", "unknown")

#: What kind of model a problem needs. ``LINEAR``: linear, but the source does not say whether
#: variables are integer (NL4OPT, OptiBench ``linear-*``, MAMO); ``UNKNOWN``: no label at all.
ProblemKind = Literal["LP", "MILP", "NLP", "LINEAR", "UNKNOWN"]

# Source type labels -> kind. ILP (pure integer) is solved as a MILP, so it is reported as one.
_KIND_BY_LABEL: dict[str, ProblemKind] = {
    "lp": "LP",
    "ilp": "MILP",
    "ip": "MILP",
    "milp": "MILP",
    "mip": "MILP",
    "nlp": "NLP",
    "minlp": "NLP",
    "socp": "NLP",
    "qp": "NLP",
    "linear-notable": "LINEAR",
    "linear-table": "LINEAR",
    "nonlinear-notable": "NLP",
    "nonlinear-table": "NLP",
    "easy_lp": "LINEAR",
    "complex_lp": "LINEAR",
}

# A markdown pipe-table separator row, or a LaTeX tabular/array: the README's "has_table" heuristic.
_TABLE_PATTERN = re.compile(r"\|\s*:?-{3,}|\\begin\{(?:tabular|array)\}")

# Fields that become typed attributes; everything else in a record is kept in ``Problem.raw``.
_TYPED_FIELDS = frozenset({"id", "question", "answer", "answer_status", "type", "has_table"})


@dataclass(frozen=True)
class Problem:
    """A natural-language optimization problem with its ground-truth optimal objective value.

    ``dataset`` is the registry name the problem was loaded under (``"nl4opt-orlm245"``), or the
    record's own ``dataset`` field / the file's stem for a user's JSONL file. ``raw`` holds every
    other field of the JSON record verbatim (``split``, ``answer_raw``, ``source``, ``results``,
    the record's own ``dataset`` label, ...).

    >>> p = Problem(id="p1", dataset="mine", question="Maximize x s.t. x <= 3.", answer=3.0)
    >>> p.answer_status, p.kind
    ('optimal', 'UNKNOWN')
    """

    id: str
    dataset: str
    question: str
    answer: float | None
    answer_status: AnswerStatus = "optimal"
    type: str | None = None
    has_table: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.answer_status not in ANSWER_STATUSES:
            raise ValueError(
                f"answer_status must be one of {ANSWER_STATUSES}, got {self.answer_status!r}"
            )
        if (self.answer_status == "optimal") != (self.answer is not None):
            raise ValueError(
                f"problem {self.id!r}: answer_status {self.answer_status!r} does not fit answer {self.answer!r}"
                " (a number needs 'optimal'; null needs 'infeasible' or 'unknown')"
            )

    @property
    def answer_raw(self) -> str | None:
        """The source's verbatim answer string, where it had one (MAMO's digit rule reads it)."""
        value = self.raw.get("answer_raw")
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> ProblemKind:
        """Shorthand for :func:`problem_kind`."""
        return problem_kind(self)


def problem_kind(problem: Problem, default: ProblemKind = "UNKNOWN") -> ProblemKind:
    """Map the source's ``type`` label to LP / MILP / NLP / LINEAR / UNKNOWN.

    ORThought labels (LP, ILP, MILP, NLP) map directly (ILP counts as MILP); OptiBench / NL4OPT-E
    ``linear-*`` give LINEAR and ``nonlinear-*`` NLP; MAMO's ``easy_lp`` / ``complex_lp`` give LINEAR
    (MAMO "LP" problems often ask for integers). Without a label, the registry's per-dataset default
    is used when the problem came from a registered dataset, else ``default``.

    >>> problem_kind(Problem(id="a", dataset="x", question="q", answer=1.0, type="ILP"))
    'MILP'
    """
    if problem.type:
        kind = _KIND_BY_LABEL.get(problem.type.strip().lower())
        if kind is not None:
            return kind
    from optmodel.benchmarks.datasets.registry import find_spec

    spec = find_spec(problem.dataset)
    if spec is not None and spec.default_kind is not None:
        return spec.default_kind
    return default


def looks_like_table(text: str) -> bool:
    """The ``has_table`` heuristic: a markdown pipe table or a LaTeX ``tabular``/``array``."""
    return _TABLE_PATTERN.search(text) is not None


def problem_from_record(record: Mapping[str, Any], dataset: str) -> Problem:
    """Validate one JSON record and build a :class:`Problem`; raises ``ValueError`` saying what is wrong.

    Required: ``id`` (non-empty string) and ``question`` (non-empty string). ``answer`` is a number or
    null; ``answer_status`` defaults to ``"optimal"`` when there is an answer and ``"unknown"`` when
    not. ``has_table`` defaults to the table heuristic; ``type`` is an optional string.
    """
    problem_id = record.get("id")
    if not isinstance(problem_id, str) or not problem_id.strip():
        raise ValueError("field 'id' must be a non-empty string")
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("field 'question' must be a non-empty string")
    answer = _parse_answer(record.get("answer"))
    status = record.get("answer_status", "optimal" if answer is not None else "unknown")
    if status not in ANSWER_STATUSES:
        raise ValueError(
            f"field 'answer_status' must be one of {', '.join(ANSWER_STATUSES)}; got {status!r}"
        )
    if status == "optimal" and answer is None:
        raise ValueError("answer_status is 'optimal' but 'answer' is missing or null")
    if status != "optimal" and answer is not None:
        raise ValueError(f"answer_status is {status!r} but 'answer' is a number; use null")
    type_label = record.get("type")
    if type_label is not None and not isinstance(type_label, str):
        raise ValueError("field 'type' must be a string or null")
    has_table = record.get("has_table")
    if has_table is None:
        has_table = looks_like_table(question)
    elif not isinstance(has_table, bool):
        raise ValueError("field 'has_table' must be true or false")
    raw = {key: value for key, value in record.items() if key not in _TYPED_FIELDS}
    return Problem(
        id=problem_id,
        dataset=dataset,
        question=question,
        answer=answer,
        answer_status=status,
        type=type_label,
        has_table=has_table,
        raw=raw,
    )


def _parse_answer(value: Any) -> float | None:
    if value is None:
        return None
    # bool is an int subclass; true/false as an objective value is a data error.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"field 'answer' must be a number or null; got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"field 'answer' must be finite; got {value!r}")
    return number
