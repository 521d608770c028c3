"""A hand-written big-M that is too small: a warning (part of validation's data-driven checks).

A constraint such as ``x[i] <= M * y[i]`` or ``s[j] + p[j] <= s[k] + M * (1 - z)`` is meant to be
switched off when its binary says so. Switched off, it must still allow every value the variables' bounds
allow; where it does not, M is smaller than the bound it must dominate and the model silently cuts off
solutions. Only rows where a binary is multiplied by a scalar parameter named like ``M`` / ``bigM`` /
``big_m``, by a number in ``c * (1 - b)``, or by a number of 1000 or more are judged (other products of a
binary, like ``cap[i] * open[i]``, are usually meant to limit).
"""

from __future__ import annotations

import re
from typing import Any

from optmodel.errors import CompileError
from optmodel.modeling.checks.context import Declarations, IssueLog
from optmodel.modeling.checks.data import DATA_FAILURES, CheckedConstraint, Probe
from optmodel.modeling.checks.linear import Linear
from optmodel.modeling.elaborate.variables import variable_instances
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode, Severity

_M_NAME = re.compile(r"^(big_?m|m)(_\w*)?$", re.IGNORECASE)
#: A literal coefficient of a binary at least this large is read as a big-M.
_LARGE = 1000
#: Instances judged per constraint: a too-small M shows at the first few as well as at all of them.
_INSTANCES = 200


Bounds = dict[str, dict[Any, tuple[float | None, float | None]]]


def check_big_m(probe: Probe, constraints: list[CheckedConstraint], log: IssueLog) -> None:
    """Warn once per constraint whose big-M, switched off, still cuts into the variables' bounds."""
    binaries = _binaries(probe.decl)
    bounds: Bounds | None = None
    for constraint in constraints:
        relation = constraint.relation
        if len(relation.ops) != 1 or relation.ops[0] == "==":
            continue
        if not _has_big_m_product(relation, binaries):
            continue
        bounds = bounds if bounds is not None else _variable_bounds(probe.decl)
        _check_one(probe, constraint, binaries, bounds, log)


def _variable_bounds(decl: Declarations) -> Bounds:
    bounds: Bounds = {}
    for name, vdef in decl.formulation.variables.items():
        try:
            inst = variable_instances(name, vdef, decl.data)
        except CompileError:
            continue  # reported by the bound checks
        bounds[name] = dict(zip(inst.keys, zip(inst.lower, inst.upper, strict=True), strict=True))
    return bounds


def _check_one(
    probe: Probe,
    constraint: CheckedConstraint,
    binaries: set[str],
    bounds: Bounds,
    log: IssueLog,
) -> None:
    relation = constraint.relation
    clauses = constraint.clauses
    conditions: list[tuple[ex.Node, ...]] = [() for _ in clauses]
    if constraint.where is not None and conditions:
        conditions[-1] = (constraint.where,)
    envs = probe.bindings(clauses, conditions, {}) if clauses else iter([{}])
    for count, env in enumerate(envs):
        if count >= _INSTANCES:
            return
        try:
            left = Linear.of(probe.eval(relation.operands[0], env))
            right = Linear.of(probe.eval(relation.operands[1], env))
        except DATA_FAILURES:
            return
        row = left - right if relation.ops[0] == "<=" else right - left  # row <= 0
        excess = _excess_when_switched_off(row, binaries, bounds)
        if excess is not None and excess > 1e-9 * max(1.0, abs(row.const)):
            at = "" if not env else " at " + ", ".join(f"{k}={v!r}" for k, v in env.items())
            log.add(
                f"constraints.{constraint.name}.expression",
                IssueCode.WEAK_BIG_M,
                f"its big-M is too small{at}: switched off by its binary, the row still cuts "
                f"{excess:g} into what the variables' bounds allow",
                "use a logical constraint ('logic': if/then or either) so the M comes from the bounds, "
                f"or raise M by at least {excess:g}",
                Severity.WARNING,
            )
            return


def _binaries(decl: Declarations) -> set[str]:
    return {n for n, v in decl.formulation.variables.items() if v.type == "binary"}


def _has_big_m_product(relation: ex.Compare, binaries: set[str]) -> bool:
    """A binary times an M-named parameter, ``c * (1 - b)``, or ``c * b`` with c >= 1000: a big-M by intent.

    ``cap[i] * open[i]`` or ``50 * open[i]`` usually state a real capacity, so they are not judged.
    """
    for node in ex.walk(relation):
        if not (isinstance(node, ex.Binary) and node.op == "*"):
            continue
        for factor, other in ((node.left, node.right), (node.right, node.left)):
            if not _mentions(other, binaries):
                continue
            if isinstance(factor, ex.Name) and _M_NAME.match(factor.id):
                return True
            if isinstance(factor, ex.Const) and not isinstance(factor.value, str):
                relaxing = isinstance(other, ex.Binary) and other.op == "-"
                if relaxing or abs(factor.value) >= _LARGE:
                    return True
    return False


def _mentions(node: ex.Node, names: set[str]) -> bool:
    return any(
        (isinstance(n, ex.Name) and n.id in names)
        or (isinstance(n, ex.Subscript) and n.name in names)
        for n in ex.walk(node)
    )


def _excess_when_switched_off(row: Linear, binaries: set[str], bounds: Bounds) -> float | None:
    """max(row) with each binary at its loosest value and the others at their bounds; None if unknown."""
    if row.nonlinear:
        return None
    total = row.const
    has_binary = False
    for (name, key), coef in row.terms.items():
        if name in binaries:
            has_binary = True
            total += min(coef, 0.0)  # the loosest value: 1 when it lowers the row, else 0
            continue
        lower, upper = bounds.get(name, {}).get(key, (None, None))
        limit = upper if coef > 0 else lower
        if limit is None:
            return None
        total += coef * limit
    return total if has_binary else None
