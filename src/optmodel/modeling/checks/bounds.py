"""Variable bounds and the unbounded-looking objective: the checks of validation that concern bounds."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from optmodel.modeling.checks.context import IssueLog
from optmodel.modeling.checks.data import (
    BINDINGS_PER_ELEMENT,
    DATA_FAILURES,
    Probe,
    at_index,
    describe,
    flat_key,
    key_text,
    number_text,
    report_failure,
)
from optmodel.modeling.checks.linear import Linear
from optmodel.modeling.elaborate.evaluate import Key, is_number
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode, Severity


@dataclass(frozen=True)
class CheckedVariable:
    """A variable whose declaration passed the static checks; bounds are numbers or parsed expressions."""

    name: str
    type: str
    lb: ex.Node | float | None
    ub: ex.Node | float | None


def bound_problems(
    var_type: str, field: str, value: float
) -> Iterator[tuple[IssueCode, str, str, Severity]]:
    """Problems of one numeric bound of a variable: (code, message, hint, severity)."""
    if math.isnan(value):
        yield (
            IssueCode.NON_NUMERIC,
            f"the bound '{field}' is NaN",
            "write a number, or null for none",
            Severity.ERROR,
        )
    elif (field == "lb" and value == math.inf) or (field == "ub" and value == -math.inf):
        yield (
            IssueCode.BOUND_CONFLICT,
            f"'{field}' is {value}, which no value can satisfy",
            "use null for 'no bound'",
            Severity.ERROR,
        )
    elif var_type == "binary" and not 0 <= value <= 1:
        impossible = value > 1 if field == "lb" else value < 0
        yield (
            IssueCode.BOUND_CONFLICT,
            f"binary variable with '{field}' {number_text(value)}, outside [0, 1]"
            + (", so neither 0 nor 1 is allowed" if impossible else ""),
            "a binary variable is 0 or 1: drop the bound, or make the variable integer",
            Severity.ERROR,  # the compiler refuses them too
        )
    elif var_type == "integer" and math.isfinite(value) and not float(value).is_integer():
        rounded = math.floor(value) if field == "ub" else math.ceil(value)
        yield (
            IssueCode.BOUND_CONFLICT,
            f"integer variable with fractional '{field}' {number_text(value)} (it acts as {rounded})",
            "use a whole number",
            Severity.WARNING,
        )


def check_expression_bounds(probe: Probe, var: CheckedVariable, log: IssueLog) -> None:
    """Evaluate expression bounds at every index of the variable (numeric ones are checked statically)."""
    if not any(isinstance(b, ex.Node) for b in (var.lb, var.ub)):
        return
    path = f"variables.{var.name}"
    clauses = probe.decl.var_domain(var.name) or ()
    warned: set[tuple[str, IssueCode]] = set()  # one warning of a kind per bound, not one per index
    try:
        for count, env in enumerate(probe.bindings(clauses, None, {})):
            if count >= BINDINGS_PER_ELEMENT or _bounds_at(probe, var, env, path, log, warned):
                return
    except DATA_FAILURES as error:
        report_failure(log, f"{path}.index", error, "")


def _bounds_at(
    probe: Probe,
    var: CheckedVariable,
    env: dict[str, Any],
    path: str,
    log: IssueLog,
    warned: set[tuple[str, IssueCode]],
) -> bool:
    """Check the bounds at one index; True once an error was reported (warnings do not stop)."""
    where = describe(env)
    values: dict[str, float | None] = {}
    failed = False
    for field, bound in (("lb", var.lb), ("ub", var.ub)):
        try:
            value = probe.eval(bound, env) if isinstance(bound, ex.Node) else bound
        except DATA_FAILURES as error:
            report_failure(log, f"{path}.{field}", error, where)
            return True
        if value is not None and not is_number(value):
            message = at_index(where, f"bound is {value!r}, not a number")
            log.add(f"{path}.{field}", IssueCode.TYPE_MISMATCH, message, "bounds must be numbers")
            return True
        values[field] = value
        if isinstance(bound, ex.Node) and value is not None:
            for code, message, hint, severity in bound_problems(var.type, field, value):
                if severity is Severity.WARNING and (field, code) in warned:
                    continue
                warned.add((field, code))
                log.add(f"{path}.{field}", code, at_index(where, message), hint, severity)
                failed |= severity is Severity.ERROR
    lb, ub = values["lb"], values["ub"]
    if lb is not None and ub is not None and lb > ub:
        log.add(
            f"{path}.ub",
            IssueCode.BOUND_CONFLICT,
            at_index(
                where, f"lower bound {number_text(lb)} is above upper bound {number_text(ub)}"
            ),
            "swap or correct the bounds; as written no value is allowed",
        )
        return True
    return failed


def check_unbounded(
    probe: Probe,
    objective: Linear,
    sense: str,
    variables: Mapping[str, CheckedVariable],
    log: IssueLog,
) -> None:
    """Warn about objective terms that improve without limit: a sign check on linear terms, not a proof.

    A term improves the objective as its variable grows (or falls); it is flagged when the variable has
    no bound that way and no constraint instance has it with a coefficient that limits it that way.
    """
    improving = 1 if sense == "maximize" else -1
    flagged: dict[tuple[str, int], list[Key]] = {}
    for (name, key), coef in objective.terms.items():
        if math.isnan(coef) or coef == 0 or name not in variables:
            continue
        direction = improving * (1 if coef > 0 else -1)
        if (name, key, direction) in probe.limited or _bounded(
            probe, variables[name], key, direction
        ):
            continue
        flagged.setdefault((name, direction), []).append(key)
    for (name, direction), keys in flagged.items():
        shown = ", ".join(name if k is None else f"{name}[{key_text(k)}]" for k in keys[:3])
        more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
        side, bound = ("above", "ub") if direction > 0 else ("below", "lb")
        log.add(
            "objective.expression",
            IssueCode.UNBOUNDED_OBJECTIVE,
            f"the objective ({sense}) improves without limit as {shown}{more} "
            f"{'grows' if direction > 0 else 'falls'}: no bound or constraint limits it from {side}",
            f"add the constraint that limits '{name}' from {side}, give it a bound (\"{bound}\"), "
            "or check the objective's sense and signs",
            Severity.WARNING,
        )


def _bounded(probe: Probe, var: CheckedVariable, key: Key, direction: int) -> bool:
    if var.type == "binary":
        return True
    bound = var.ub if direction > 0 else var.lb
    if bound is None:
        return False
    if not isinstance(bound, ex.Node):
        return math.isfinite(bound)
    try:
        value = probe.eval(bound, _index_env(probe, var.name, key))
    except DATA_FAILURES:
        return True  # reported by the bound checks
    return not (is_number(value) and math.isinf(value))


def _index_env(probe: Probe, name: str, key: Key) -> dict[str, Any]:
    """The index names of a variable's domain bound to the parts of ``key``."""
    env: dict[str, Any] = {}
    parts = flat_key(key)
    position = 0
    for clause in probe.decl.var_domain(name) or ():
        if len(clause.targets) > 1:
            env.update(zip(clause.targets, parts[position:], strict=False))
            position += len(clause.targets)
        else:
            width = probe.decl.set_dim(clause.set_name) or 1
            chunk = parts[position : position + width]
            env[clause.targets[0]] = chunk[0] if width == 1 and chunk else chunk
            position += width
    return env
