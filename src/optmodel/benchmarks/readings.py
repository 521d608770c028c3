"""The usual alternative readings of a model, re-solved to see which one reproduces a reference answer.

When a model's answer disagrees with a dataset's label, the label was often computed under another reading of
the text: fractional quantities where the text counts whole things (a rounded LP optimum), whole numbers
where it allows fractions, a demand met exactly (``==``) instead of at least (``>=``). Each variant here
changes ONE such reading of the model; the one whose optimum matches the reference is the evidence a
label-correction entry needs. Constraints are rewritten through the expression language's own parser and
printer (nothing is executed).

>>> from optmodel.modeling.language.ir import Formulation
>>> f = Formulation.model_validate({
...     "variables": {"x": {"type": "integer"}},
...     "objective": {"sense": "min", "expression": "x"},
...     "constraints": {"need": {"expression": "2 * x >= 7"}}})
>>> [v.name for v in reading_variants(f)]
['integrality relaxed', "'need' as == (was >=)"]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.scoring import DEFAULT_RULE, Prediction, PredictionStatus, score
from optmodel.errors import OptmodelError
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.language.expressions import Compare, parse, to_source
from optmodel.modeling.language.ir import Formulation
from optmodel.solvers.base import SolveOptions

#: Variants tried per model at most (each is one solve), so an audit's work stays bounded.
MAX_VARIANTS = 24
#: Each relation is tried as these others: a demand met exactly or at least, a limit reached or not.
_ALTERNATIVES = {"==": (">=", "<="), ">=": ("==",), "<=": ("==",)}


@dataclass(frozen=True)
class Variant:
    """One reading changed: its name says what changed, ``formulation`` is the changed model."""

    name: str
    formulation: Formulation


@dataclass(frozen=True)
class VariantOutcome:
    """A variant re-solved; ``agrees`` says whether it reproduces the reference (None: not comparable)."""

    name: str
    objective: float | None
    status: str
    agrees: bool | None
    error: str = ""
    """Why the model did not solve, when it did not."""


def reading_variants(formulation: Formulation, limit: int = MAX_VARIANTS) -> list[Variant]:
    """Integrality relaxed and imposed, then each constraint with another relation (``==`` / ``>=`` /
    ``<=``); at most ``limit`` variants, and only those that change something."""
    variants = []
    types = {var.type for var in formulation.variables.values()}
    if types & {"integer", "binary"}:
        variants.append(Variant("integrality relaxed", _retyped(formulation, relax=True)))
    if "continuous" in types:
        variants.append(Variant("integrality imposed", _retyped(formulation, relax=False)))
    for name, constraint in formulation.constraints.items():
        relation = _relation(constraint.expression)
        if relation is None:
            continue
        node, op = relation
        for other in _ALTERNATIVES[op]:
            changed = to_source(dataclasses.replace(node, ops=(other,)))
            model = _with(formulation, ["constraints", name, "expression"], changed)
            if model is not None:
                variants.append(Variant(f"{name!r} as {other} (was {op})", model))
    return variants[:limit]


def try_readings(
    formulation: Formulation, problem: Problem, time_limit: float = 30.0
) -> tuple[VariantOutcome, ...]:
    """Solve every variant of ``formulation`` and score it against ``problem``'s reference answer."""
    outcomes = []
    for variant in reading_variants(formulation):
        outcome = solve_and_score(variant.formulation, problem, time_limit)
        outcomes.append(dataclasses.replace(outcome, name=variant.name))
    return tuple(outcomes)


def solve_and_score(
    formulation: Formulation, problem: Problem, time_limit: float = 30.0
) -> VariantOutcome:
    """Solve one model and score it strictly against ``problem``'s reference (named by nothing yet)."""
    run = run_formulation(formulation, options=SolveOptions(time_limit=time_limit))
    result = run.result if run.stage is Stage.DONE else None
    agrees = None
    if result is not None:
        prediction = Prediction(PredictionStatus(result.status.value), result.answer_value)
        agrees = score(prediction, problem).get(DEFAULT_RULE)
    status = result.status.value if result else run.stage.value
    return VariantOutcome("", result.answer_value if result else None, status, agrees, run.error)


def _relation(expression: str) -> tuple[Compare, str] | None:
    """The expression's single relation (``a <= b``), or None (ranged, logical or unreadable)."""
    try:
        node = parse(expression)
    except (OptmodelError, RecursionError, ValueError):
        return None
    if isinstance(node, Compare) and len(node.ops) == 1 and node.ops[0] in _ALTERNATIVES:
        return node, node.ops[0]
    return None


def _retyped(formulation: Formulation, relax: bool) -> Formulation:
    document = formulation.to_dict()
    for var in document["variables"].values():
        kind = var.get("type", "continuous")
        if relax and kind == "binary":
            var.update(type="continuous", lb=var.get("lb", 0.0), ub=var.get("ub", 1.0))
        elif relax and kind == "integer":
            var["type"] = "continuous"
        elif not relax and kind == "continuous":
            var["type"] = "integer"
    return Formulation.model_validate(document)


def _with(formulation: Formulation, path: list[str], value: Any) -> Formulation | None:
    document = formulation.to_dict()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        return Formulation.model_validate(document)
    except ValueError:  # pydantic's ValidationError: the printed relation did not fit the schema
        return None


__all__ = [
    "MAX_VARIANTS",
    "Variant",
    "VariantOutcome",
    "reading_variants",
    "solve_and_score",
    "try_readings",
]
