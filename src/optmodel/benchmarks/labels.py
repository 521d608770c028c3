"""Audited labels: corrections of a dataset's reference answers, each with its evidence, applied on request.

A label-correction file (YAML or JSON: a list of entries, or ``{"corrections": [...]}``) holds one entry per
problem whose reference answer an audit found wrong or ambiguous::

    - id: logior-017
      verdict: label-wrong            # the reference is not the optimum of the text
      corrected: 63.6                 # the optimum (or corrected_status: infeasible)
      evidence: "routing model rebuilt independently, HiGHS proves 63.60; 78.78 is one feasible plan"
    - id: logior-031
      verdict: ambiguous              # the text allows several readings
      readings:                       # every accepted reading with its optimum (list the reference's too)
        - {reading: "cost per truck-km (the reference)", value: 364.0}
        - {reading: "cost per container-km", value: 728.0}
      evidence: "the first reading reproduces the reference (solve in audits/logior-031.json)"

``optmodel bench ... --labels FILE`` scores every record a second time under the rule ``audited``: strict
against the accepted answers of a corrected problem, and the same as ``strict`` for every other problem, so
reports show raw and audited accuracy side by side.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.scoring import DEFAULT_RULE, RULES, Prediction
from optmodel.errors import OptmodelError

#: The scoring rule under which corrected labels are applied.
AUDITED_RULE = "audited"


class Reading(BaseModel):
    """One accepted reading of an ambiguous text and the optimum it gives."""

    model_config = ConfigDict(extra="forbid")

    reading: str = Field(min_length=1)
    value: float | None = None
    status: Literal["optimal", "infeasible"] = "optimal"

    @model_validator(mode="after")
    def _value_fits_status(self) -> Reading:
        if (self.status == "optimal") != (self.value is not None):
            raise ValueError("an optimal reading needs a value; an infeasible one has none")
        return self


class LabelCorrection(BaseModel):
    """The audit's finding on one problem's reference answer."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    verdict: Literal["label-wrong", "ambiguous"]
    corrected: float | None = None
    corrected_status: Literal["optimal", "infeasible"] = "optimal"
    readings: list[Reading] = Field(default_factory=list)
    evidence: str = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> LabelCorrection:
        if self.verdict == "label-wrong":
            Reading(reading="corrected", value=self.corrected, status=self.corrected_status)
        elif not self.readings:
            raise ValueError("an ambiguous entry lists its accepted readings")
        return self

    def accepted(self) -> list[Reading]:
        if self.verdict == "label-wrong":
            return [
                Reading(reading="corrected", value=self.corrected, status=self.corrected_status)
            ]
        return list(self.readings)


def load_corrections(paths: Sequence[Path]) -> dict[str, LabelCorrection]:
    """Every correction in ``paths``, by problem id; a malformed entry or a repeated id is an error."""
    corrections: dict[str, LabelCorrection] = {}
    for path in paths:
        entries = _entries(path)
        for number, entry in enumerate(entries, 1):
            try:
                correction = LabelCorrection.model_validate(entry)
            except ValidationError as exc:
                raise OptmodelError(
                    f"{path}: entry {number} is not a label correction: {exc}"
                ) from exc
            if correction.id in corrections:
                raise OptmodelError(f"{path}: problem {correction.id!r} is corrected twice")
            corrections[correction.id] = correction
    return corrections


def _entries(path: Path) -> list[object]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OptmodelError(f"cannot read the label-correction file {path}: {exc}") from exc
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if isinstance(data, dict):
        data = data.get("corrections")
    if not isinstance(data, list):
        raise OptmodelError(f"{path}: expected a list of corrections (or {{'corrections': [...]}})")
    return data


def audited(
    records: Iterable[ResultRecord], corrections: dict[str, LabelCorrection]
) -> list[ResultRecord]:
    """The records, each also scored under :data:`AUDITED_RULE`."""
    return [
        record.model_copy(
            update={"correct": {**record.correct, AUDITED_RULE: _verdict(record, corrections)}}
        )
        for record in records
    ]


def _verdict(record: ResultRecord, corrections: dict[str, LabelCorrection]) -> bool | None:
    correction = corrections.get(record.problem_id)
    if correction is None or record.is_pending:
        return record.correct.get(DEFAULT_RULE)
    if record.status is None:
        return False
    prediction = Prediction(record.status, record.objective)
    rule = RULES[DEFAULT_RULE]
    return any(rule(prediction, _reference(record, reading)) for reading in correction.accepted())


def _reference(record: ResultRecord, reading: Reading) -> Problem:
    if reading.value is None:
        return Problem(record.problem_id, record.dataset, "", None, answer_status="infeasible")
    return Problem(record.problem_id, record.dataset, "", reading.value)


__all__ = ["AUDITED_RULE", "LabelCorrection", "Reading", "audited", "load_corrections"]
