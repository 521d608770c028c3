"""Checking a solution against a Formulation, independently of any solver and of Pyomo.

Every constraint row, bound and integrality requirement is evaluated with the plain expression interpreter
at the given values, so a wrong compile or a solver's loose tolerance shows up here.

>>> from optmodel.modeling.language.ir import Formulation
>>> f = Formulation.model_validate({
...     "variables": {"x": {"ub": 4}, "y": {}},
...     "objective": {"sense": "max", "expression": "x + y"},
...     "constraints": {"sum": {"expression": "x + y <= 5"}}})
>>> report = check_solution(f, {"x": 4, "y": 1.5})
>>> report.max_violation, report.violations[0].constraint
(0.5, 'sum')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from optmodel.errors import FormulationError
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Key,
    ModelData,
)
from optmodel.modeling.elaborate.instances import (
    ConstraintInstances,
    check_distinct_names,
    constraint_instances,
    objective_tree,
)
from optmodel.modeling.elaborate.logic import LogicInstances, logic_instances, logic_violation
from optmodel.modeling.elaborate.variables import VariableInstances, variable_instances
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.solution_values import ValueEvaluator, Values, normalise_values
from optmodel.symbols import format_symbol


@dataclass(frozen=True)
class Violation:
    """A constraint row that does not hold: by ``amount`` (absolute) and ``relative`` (scaled by its sides)."""

    constraint: str
    key: Key | None
    amount: float
    relative: float
    expression: str
    lhs: float = math.nan
    rhs: float = math.nan
    message: str = ""

    def __str__(self) -> str:
        where = format_symbol((self.constraint, self.key))
        detail = self.message or f"lhs {self.lhs:.6g} vs rhs {self.rhs:.6g}"
        return f"{where}: violated by {self.amount:.3g} ({detail}) in '{self.expression}'"


@dataclass(frozen=True)
class BoundViolation:
    variable: str
    key: Key | None
    bound: Literal["lower", "upper"]
    value: float
    limit: float
    amount: float


@dataclass(frozen=True)
class IntegralityViolation:
    variable: str
    key: Key | None
    value: float
    amount: float


@dataclass(frozen=True)
class CheckReport:
    """What holds at a solution. Entries are listed when they exceed ``tol``; maxima count every row.

    ``max_violation`` covers constraint rows and bounds (absolute); ``max_relative_violation`` divides a
    row's violation by ``max(1, |lhs|, |rhs|)`` and a bound's by ``max(1, |bound|)``. A missing or
    non-numeric value counts as infinitely violated in both. Integrality is measured on its own
    (``max_integrality_violation``: distance to the nearest integer).
    """

    max_violation: float
    max_relative_violation: float
    max_integrality_violation: float
    violations: list[Violation]
    bound_violations: list[BoundViolation]
    integrality_violations: list[IntegralityViolation]
    objective_value: float
    missing: list[str] = field(default_factory=list)
    tol: float = 1e-6
    #: Named expressions at the solution (``{"cost": 12.0, "load": {key: value}}``); NaN where undefined.
    expression_values: dict[str, float | dict[Key, float]] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """True when every variable has a value and nothing is violated by more than ``tol``."""
        return not (
            self.missing or self.violations or self.bound_violations or self.integrality_violations
        )

    def summary(self, limit: int = 10) -> str:
        """A few readable lines: the largest violations first."""
        if self.feasible:
            return f"feasible (max violation {self.max_violation:.3g}, objective {self.objective_value:.6g})"
        lines = [str(v) for v in sorted(self.violations, key=lambda v: -v.amount)[:limit]]
        lines += [
            f"{format_symbol((b.variable, b.key))} = {b.value:.6g} breaks its {b.bound} bound {b.limit:.6g}"
            for b in self.bound_violations[:limit]
        ]
        lines += [
            f"{format_symbol((i.variable, i.key))} = {i.value:.6g} is not integral"
            for i in self.integrality_violations[:limit]
        ]
        return "\n".join(lines)


def check_solution(
    formulation: Formulation,
    values: Values,
    data: ModelData | None = None,
    tol: float = 1e-6,
) -> CheckReport:
    """Evaluate every constraint, bound and integrality requirement of ``formulation`` at ``values``.

    ``values`` maps each variable name to a number (scalar variables) or to ``{key: number}`` (keys in
    Pyomo's convention; lists are accepted for tuples). Data errors raise ``FormulationError`` and a
    variable or constraint that cannot be expanded raises ``CompileError``; a missing value or an expression
    that cannot be evaluated at this point (``log`` of a negative number) is reported as a violation.
    """
    if data is None:
        data, issues = resolve_data(formulation)
        errors = errors_only(issues)
        if errors:
            raise FormulationError(errors)
    instances, numbers, missing, evaluator = _prepare(formulation, values, data)
    bounds, integrality = _check_variables(instances, numbers, tol)
    rows = _rows(formulation, data, evaluator)
    rows += [
        row
        for name, ldef in formulation.logic.items()
        for row in _check_logic(evaluator, logic_instances(name, ldef, data, formulation.variables))
    ]
    try:
        objective = float(evaluator.eval(objective_tree(formulation), {}))
    except (EvaluationError, ArithmeticError, TypeError, ValueError):
        objective = math.nan
    unset = [math.inf] * bool(missing)
    relative = [r.relative for r in rows] + [b.amount / max(1.0, abs(b.limit)) for b in bounds]
    return CheckReport(
        max_violation=max(
            [r.amount for r in rows] + [b.amount for b in bounds] + unset, default=0.0
        ),
        max_relative_violation=max(relative + unset, default=0.0),
        max_integrality_violation=max((i.amount for i in integrality), default=0.0),
        violations=[r for r in rows if r.amount > tol],
        bound_violations=[b for b in bounds if b.amount > tol],
        integrality_violations=[i for i in integrality if i.amount > tol],
        objective_value=objective,
        missing=missing,
        tol=tol,
        expression_values=_expression_values(evaluator),
    )


def _expression_values(evaluator: ValueEvaluator) -> dict[str, float | dict[Key, float]]:
    values: dict[str, float | dict[Key, float]] = {}
    for name, expression in evaluator.data.expressions.items():
        at_keys: dict[Key, float] = {}
        for key in expression.envs:
            try:
                at_keys[key] = float(evaluator.named(name, key))
            except (EvaluationError, ArithmeticError, TypeError, ValueError):
                at_keys[key] = math.nan
        values[name] = at_keys if expression.indexed else at_keys[None]
    return values


def constraint_rows(formulation: Formulation, values: Values, data: ModelData) -> list[Violation]:
    """Every constraint row at ``values`` with both sides (``amount`` 0 when it holds), in model order."""
    return _rows(formulation, data, _prepare(formulation, values, data)[3])


def _prepare(
    formulation: Formulation, values: Values, data: ModelData
) -> tuple[
    dict[str, VariableInstances],
    dict[str, dict[Key, float] | float | None],
    list[str],
    ValueEvaluator,
]:
    check_distinct_names(formulation)
    instances = {
        name: variable_instances(name, vdef, data) for name, vdef in formulation.variables.items()
    }
    numbers, missing = normalise_values(values, instances)
    return instances, numbers, missing, ValueEvaluator(data, numbers, instances)


def _rows(formulation: Formulation, data: ModelData, evaluator: ValueEvaluator) -> list[Violation]:
    return [
        row
        for name, cdef in formulation.constraints.items()
        for row in _check_constraint(
            evaluator,
            constraint_instances(name, cdef, data, formulation.variables),
            cdef.expression,
        )
    ]


def _check_variables(
    instances: Mapping[str, VariableInstances],
    numbers: Mapping[str, dict[Key, float] | float | None],
    tol: float,
) -> tuple[list[BoundViolation], list[IntegralityViolation]]:
    bounds: list[BoundViolation] = []
    integrality: list[IntegralityViolation] = []
    for name, inst in instances.items():
        entry = numbers[name]
        for key, lower, upper in zip(inst.keys, inst.lower, inst.upper, strict=True):
            value = entry.get(key) if isinstance(entry, Mapping) else entry
            if value is None:
                continue
            if inst.kind == "binary":
                lower = 0.0 if lower is None else max(lower, 0.0)
                upper = 1.0 if upper is None else min(upper, 1.0)
            if lower is not None and value < lower:
                bounds.append(BoundViolation(name, key, "lower", value, lower, lower - value))
            if upper is not None and value > upper:
                bounds.append(BoundViolation(name, key, "upper", value, upper, value - upper))
            if inst.kind != "continuous":
                gap = abs(value - round(value))
                if gap > 0:
                    integrality.append(IntegralityViolation(name, key, value, gap))
    return bounds, integrality


def _check_constraint(
    evaluator: ValueEvaluator, inst: ConstraintInstances, source: str
) -> list[Violation]:
    """One entry per instance (its worst link), including satisfied ones with amount 0."""
    ops, operands = inst.relation.ops, inst.relation.operands
    rows = []
    for key, env in inst.bindings:
        try:
            sides = [float(evaluator.eval(node, env)) for node in operands]
        except (EvaluationError, ArithmeticError, TypeError, ValueError) as error:
            rows.append(Violation(inst.name, key, math.inf, math.inf, source, message=str(error)))
            continue
        amount, relative, lhs, rhs = _worst_link(ops, sides)
        rows.append(Violation(inst.name, key, amount, relative, source, lhs, rhs))
    return rows


def _worst_link(ops: tuple[str, ...], sides: list[float]) -> tuple[float, float, float, float]:
    """The most violated link of a (chained) relation: amount, amount relative to its sides, lhs, rhs."""
    links = [
        (_violation(op, lhs, rhs), lhs, rhs)
        for op, lhs, rhs in zip(ops, sides, sides[1:], strict=False)
    ]
    amount, lhs, rhs = max(links, key=lambda link: link[0])
    return amount, amount / max(1.0, abs(lhs), abs(rhs)), lhs, rhs


def _check_logic(evaluator: ValueEvaluator, inst: LogicInstances) -> list[Violation]:
    """One entry per instance: how far the implication or disjunction is from holding.

    Each relation is measured like a constraint row (absolute and relative to its sides), so a logical
    constraint with large numbers passes the same tolerance as the equivalent row.
    """
    rows = []
    source = " / ".join(ex.to_source(r) for r in inst.relations)
    for key, env in inst.bindings:
        try:
            amounts, relatives = [], []
            for relation in inst.relations:
                sides = [float(evaluator.eval(node, env)) for node in relation.operands]
                amount, relative, _, _ = _worst_link(relation.ops, sides)
                amounts.append(amount)
                relatives.append(relative)
            literals = inst.condition.literals if inst.condition is not None else ()
            flags = [float(evaluator.eval(literal.reference, env)) for literal in literals]
        except (EvaluationError, ArithmeticError, TypeError, ValueError) as error:
            rows.append(Violation(inst.name, key, math.inf, math.inf, source, message=str(error)))
            continue
        amount = logic_violation(amounts, flags, inst)
        relative = logic_violation(relatives, flags, inst)
        rows.append(
            Violation(inst.name, key, amount, relative, source, message="logical constraint")
        )
    return rows


def _violation(op: str, lhs: float, rhs: float) -> float:
    if math.isnan(lhs) or math.isnan(rhs):
        return math.inf
    if op == "<=":
        return max(0.0, lhs - rhs) if not (math.isinf(lhs) and lhs == rhs) else 0.0
    if op == ">=":
        return max(0.0, rhs - lhs) if not (math.isinf(lhs) and lhs == rhs) else 0.0
    return abs(lhs - rhs) if lhs != rhs else 0.0
