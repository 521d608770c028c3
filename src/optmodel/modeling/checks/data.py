"""Data-driven checks: constraints, the objective and bounds evaluated over the data. Part of validation.

Decision variables stay symbolic (:class:`Linear` terms), so one pass finds evaluation errors at their
index, sums that are empty for every index, constraints left without variables, keys outside a
variable's index, bound conflicts, and objectives that improve without limit in some direction.
Work is capped (bindings per element, variable terms overall); past the cap the checks that need
every instance (empty sums, unbounded objective) are skipped rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optmodel.limits import current_limits
from optmodel.modeling.checks.context import Declarations, IssueLog
from optmodel.modeling.checks.linear import Linear
from optmodel.modeling.checks.magnitudes import magnitude_message, too_large
from optmodel.modeling.checks.probe_join import equal_members
from optmodel.modeling.elaborate.data import issue_from
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    Member,
    is_number,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode, Severity

BINDINGS_PER_ELEMENT = 20_000
#: Terms (of sums, and variable uses) evaluated over the whole model before the checks stop.
_TERMS = 25_000  # big models are built (and checked) over arrays; this bounds the per-term probe
#: What evaluating user expressions may raise besides EvaluationError (e.g. 'A' + 1, 10.0 ** 400).
DATA_FAILURES = (EvaluationError, TypeError, ArithmeticError, ValueError, RecursionError)


@dataclass(frozen=True)
class CheckedConstraint:
    """A constraint that passed the static checks, parsed, for evaluation over the data."""

    name: str
    clauses: tuple[ex.DomainClause, ...]
    where: ex.Node | None
    relation: ex.Compare
    #: Whether the expression names a decision variable at all (else it only tests the data).
    has_variables: bool = True


#: Per clause of a variable's index: a membership test and how many key parts it reads; then whether more
#: parts may follow unchecked.
_IndexPlan = tuple[tuple[tuple[Callable[[Any], bool], int], ...], bool]


class OutOfBudget(Exception):
    """The model is too large to check completely; checks done so far stand."""


class NonFiniteError(ArithmeticError):
    """An instance evaluates to an infinite or too large coefficient or an undefined (NaN) constant."""

    def __init__(self, message: str, code: IssueCode = IssueCode.NON_NUMERIC) -> None:
        super().__init__(message)
        self.code = code


def require_finite(value: Any) -> None:
    """Raise NonFiniteError for infinite, NaN or too large coefficients and constants.

    Anything but a Linear passes; an infinite constant passes too ('x <= inf' limits nothing).
    """
    if not isinstance(value, Linear):
        return
    limit = current_limits().max_magnitude  # once per row, not per term
    for (name, key), coef in value.terms.items():
        if not math.isnan(coef) and too_large(coef, limit=limit):  # NaN marks a nonlinear term here
            shown = name if key is None else f"{name}[{key_text(key)}]"
            if math.isinf(coef):
                raise NonFiniteError(f"the coefficient of {shown} is {coef}")
            message = magnitude_message(f"the coefficient of {shown}", coef)
            raise NonFiniteError(message, IssueCode.NUMBER_TOO_LARGE)
    if math.isnan(value.const):
        raise NonFiniteError("the expression evaluates to NaN (e.g. inf - inf)")
    if too_large(value.const, infinite_ok=True, limit=limit):
        message = magnitude_message("the constant term", value.const)
        raise NonFiniteError(message, IssueCode.NUMBER_TOO_LARGE)


class Probe(Evaluator):
    """Evaluates expressions with decision variables as :class:`Linear` terms."""

    def __init__(self, decl: Declarations) -> None:
        super().__init__(decl.data, decl.formulation.variables)
        self.decl = decl
        self.terms = 0
        #: Some element was evaluated for only part of its index: whole-model conclusions are off.
        self.partial = False
        #: Per Sum node of the element being checked: [evaluations, evaluations with terms].
        self.sum_stats: dict[ex.Sum, list[int]] = {}
        #: (variable, key, direction) that some constraint limits; direction +1 up, -1 down.
        self.limited: set[tuple[str, Key, int]] = set()
        self._index_plans: dict[str, _IndexPlan] = {}

    # --- evaluator hooks --------------------------------------------------------------------------
    def sum(self, node: ex.Sum, env: Mapping[str, Any]) -> Any:
        terms = list(self.expand(node.body, node.generators, env))
        stats = self.sum_stats.setdefault(node, [0, 0])
        stats[0] += 1
        stats[1] += bool(terms)
        return self.add_all(terms)

    def count_term(self) -> None:
        self.terms += 1
        if self.terms > _TERMS:
            raise OutOfBudget

    def truth(self, node: ex.Node, env: Mapping[str, Any]) -> bool:
        # A filter runs for every candidate, kept or not (`for (i, j) in ARCS if i == n` in every row):
        # that is work too, and it is what grows fastest.
        self.count_term()
        return super().truth(node, env)

    def candidates(
        self, clause: ex.DomainClause, filters: tuple[ex.Node, ...], env: Mapping[str, Any]
    ) -> Sequence[Member]:
        joined = equal_members(self.data, clause, filters, env, self.eval)
        return super().candidates(clause, filters, env) if joined is None else joined

    def expand(
        self, body: ex.Node, generators: tuple[ex.Generator, ...], env: Mapping[str, Any]
    ) -> Iterator[Any]:
        for term in super().expand(body, generators, env):
            self.count_term()
            yield term

    def add_all(self, terms: Iterable[Any]) -> Any:
        total = Linear()
        symbolic = False
        for term in terms:
            if isinstance(term, Linear):
                total.add_in_place(term)
                symbolic = True
            elif is_number(term):
                total.const += term
            else:
                raise EvaluationError(f"cannot add {term!r} to a sum", "sum terms must be numbers")
        return total if symbolic else total.const

    def variable(self, name: str, key: Key | None) -> Any:
        self.count_term()
        if key is not None and not self.in_index(name, key):
            raise EvaluationError(
                f"{name}[{key_text(key)}] is outside the index of variable '{name}'",
                f"'{name}' is indexed over {self.decl.formulation.variables[name].index}; check the "
                "index values and their order, or filter the index (e.g. where 't > 1' for x[t - 1])",
            )
        return Linear({(name, key): 1.0})

    def call_nonconstant(self, func: str, args: list[Any]) -> Any:
        for arg in args:
            if not (isinstance(arg, Linear) or is_number(arg)):
                raise EvaluationError(
                    f"{func}() of {arg!r}: not a number", "functions take numbers"
                )
        return Linear.opaque(args)

    def named(self, name: str, key: Key | None) -> Any:
        # A named expression's sums are judged over its own index where it is written
        # (check_named_with_data), not at the few indices one element happens to use.
        outer, self.sum_stats = self.sum_stats, {}
        try:
            return super().named(name, key)
        finally:
            self.sum_stats = outer

    def piecewise_nonconstant(self, name: str, key: Key | None, x: Any) -> Any:
        return Linear.opaque([x])

    def in_index(self, name: str, key: Key) -> bool:
        plan = self._index_plans.get(name)
        if plan is None:
            plan = self._index_plans[name] = self._index_plan(name)
        checks, open_end = plan
        parts = flat_key(key)
        position = 0
        for contains, width in checks:
            chunk = parts[position : position + width]
            position += width
            if len(chunk) != width or not contains(chunk[0] if width == 1 else chunk):
                return False
        return open_end or position == len(parts)

    def _index_plan(self, name: str) -> _IndexPlan:
        """(membership test, width) per clause of the variable's index that can be checked, and whether the
        key may go on past them unchecked (a clause whose width or set is unknown): once per variable."""
        domain = self.decl.var_domain(name)
        if domain is None:
            return (), True
        checks: list[tuple[Callable[[Any], bool], int]] = []
        for clause in domain:
            width = (
                len(clause.targets)
                if len(clause.targets) > 1
                else self.decl.set_dim(clause.set_name)
            )
            if width is None or clause.set_name not in self.data.sets:
                return tuple(checks), True
            checks.append((self.data.membership(clause.set_name), width))
        return tuple(checks), False

    # --- elements -----------------------------------------------------------------------------
    def check_constraint(self, con: CheckedConstraint, log: IssueLog) -> None:
        """Evaluate every instance of a constraint; report failures, empty parts and lost variables."""
        path = f"constraints.{con.name}"
        self.sum_stats = {}
        clauses = con.clauses
        conditions: list[tuple[ex.Node, ...]] = [() for _ in clauses]
        if con.where is not None and conditions:
            conditions[-1] = (con.where,)
        domain_path = f"{path}.where" if con.where is not None else f"{path}.forall"
        bindings = self.bindings(clauses, conditions, {})
        where = con.where
        if where is not None and not clauses:  # a condition on the data alone: all or nothing
            bindings = (env for env in bindings if self.truth(where, env))
        instances = with_variables = 0
        violated = ""
        while True:
            try:
                env = next(bindings)
            except StopIteration:
                break
            except DATA_FAILURES as error:
                report_failure(log, domain_path, error, "")
                return
            instances += 1
            if instances > BINDINGS_PER_ELEMENT:
                self.partial = True
                return
            try:
                has_variables, false_text = self.instance(con.relation, env)
            except DATA_FAILURES as error:
                report_failure(log, f"{path}.expression", error, describe(env))
                return
            with_variables += has_variables
            if false_text and not violated:
                violated = f"{describe(env)}: {false_text}" if env else false_text
        self.report_instances(con, domain_path, instances, with_variables, violated, log)

    def report_instances(
        self,
        con: CheckedConstraint,
        domain_path: str,
        instances: int,
        with_variables: int,
        violated: str,
        log: IssueLog,
    ) -> None:
        path = f"constraints.{con.name}.expression"
        if con.clauses and instances == 0:
            log.add(
                domain_path,
                IssueCode.EMPTY_SUM,
                "the constraint has no instances: its domain selects no index",
                "check the 'forall' sets and the 'where' condition against the data",
                Severity.WARNING,
            )
        self.report_empty_sums(path, log)
        empty_sums = "the sums over variables are empty there; check their sets and 'if' conditions"
        if violated:
            log.add(
                path,
                IssueCode.NO_VARIABLES,
                f"a part without decision variables reads {violated}, which is false "
                "(the model would be infeasible)",
                empty_sums if con.has_variables else "fix the data or the constraint",
            )
        elif instances and not with_variables and con.has_variables:
            log.add(
                path,
                IssueCode.NO_VARIABLES,
                "no instance of the constraint contains a decision variable",
                empty_sums,
                Severity.WARNING,
            )

    def instance(self, relation: ex.Compare, env: dict[str, Any]) -> tuple[bool, str]:
        """Evaluate one instance: (has variables, text of a part without variables that is false).

        A chain ``a <= b <= c`` is one row per relation, as the compiler builds it.
        """
        values = [self.eval(operand, env) for operand in relation.operands]
        sides = [Linear.of(v) for v in values]
        has_variables = False
        false_text = ""
        for n, op in enumerate(relation.ops):
            expr = sides[n] - sides[n + 1]
            require_finite(expr)
            if expr.terms:
                has_variables = True
                if math.isfinite(expr.const):  # 'x <= inf' limits nothing
                    self.record_limits(expr, _SENSE[op])
            elif not _holds(expr.const, _SENSE[op]) and not false_text:
                false_text = f"{_shown(values[n])} {op} {_shown(values[n + 1])}"
        return has_variables, false_text

    def record_limits(self, expr: Linear, sense: int) -> None:
        for (name, key), coef in expr.terms.items():
            if math.isnan(coef) or sense == 0:
                self.limited.update({(name, key, 1), (name, key, -1)})
            elif coef != 0:
                # expr <= 0 limits a variable with a positive coefficient from above, and so on.
                self.limited.add((name, key, (1 if coef > 0 else -1) * -sense))

    def report_empty_sums(self, path: str, log: IssueLog) -> None:
        if self.partial:
            return
        for node, (evaluations, with_terms) in self.sum_stats.items():
            if evaluations and not with_terms:
                log.add(
                    path,
                    IssueCode.EMPTY_SUM,
                    f"'{ex.to_source(node)}' has no terms for any index",
                    "its set is empty or its 'if' condition never holds; check them against the data",
                    Severity.WARNING,
                )

    def check_objective(self, node: ex.Node, log: IssueLog) -> Linear | None:
        """Evaluate the objective; its linear terms (for the unbounded check), or None."""
        path = "objective.expression"
        self.sum_stats = {}
        try:
            value = self.eval(node, {})
            require_finite(value)
            constant = value.const if isinstance(value, Linear) else value
            if is_number(constant) and not math.isfinite(constant):
                raise NonFiniteError(f"the objective has the constant term {constant}")
        except DATA_FAILURES as error:
            report_failure(log, path, error, "")
            return None
        self.report_empty_sums(path, log)
        if not (isinstance(value, Linear) or is_number(value)):
            log.add(
                path, IssueCode.TYPE_MISMATCH, f"the objective evaluates to {value!r}, not a number"
            )
            return None
        return value if isinstance(value, Linear) else None


_SENSE = {"<=": -1, ">=": 1, "==": 0}


def _shown(value: Any) -> str:
    return number_text(value) if is_number(value) else repr(value)


def _holds(value: float, sense: int) -> bool:
    tolerance = 1e-9 * max(1.0, abs(value)) if math.isfinite(value) else 0.0
    if sense < 0:
        return value <= tolerance
    if sense > 0:
        return value >= -tolerance
    return abs(value) <= tolerance


def report_failure(log: IssueLog, path: str, error: BaseException, where: str) -> None:
    """Log a failed evaluation (data error, text in arithmetic, ...) as an Issue at ``path``."""
    if isinstance(error, EvaluationError):
        issue = issue_from(error, path)
        code, message, hint = issue.code, str(error), issue.hint
    elif isinstance(error, NonFiniteError):
        code, message, hint = (
            error.code,
            str(error),
            "coefficients must be finite numbers of moderate size; rescale the data",
        )
    elif isinstance(error, RecursionError):
        code, message, hint = IssueCode.SYNTAX, "the expression is nested too deeply", "simplify it"
    else:
        code, message, hint = (
            IssueCode.TYPE_MISMATCH,
            f"cannot evaluate: {error}",
            "check the data types",
        )
    log.add(path, code, at_index(where, message), hint)


def at_index(where: str, message: str) -> str:
    """``message`` prefixed with the index it concerns, when there is one."""
    return f"{where}: {message}" if where else message


def describe(env: Mapping[str, Any]) -> str:
    """An index binding as text, e.g. "for i='A', t=2" (placeholder names as "at index ...")."""
    shown = {k: v for k, v in env.items() if not k.startswith("_")}
    if not shown:
        index = [v for k, v in env.items() if k.startswith("_")]
        return "at index " + key_text(tuple(index)) if index else ""
    return "for " + ", ".join(f"{k}={v!r}" for k, v in shown.items())


def flat_key(key: Key) -> tuple[Any, ...]:
    """A key as a flat tuple of its parts."""
    if not isinstance(key, tuple):
        return (key,)
    if not any(isinstance(part, tuple) for part in key):  # already flat (the usual case)
        return key
    parts: list[Any] = []
    for part in key:
        parts.extend(flat_key(part))
    return tuple(parts)


def key_text(key: Key) -> str:
    """A key as it is written inside brackets: 'A', 2."""
    return ", ".join(repr(p) if isinstance(p, str) else str(p) for p in flat_key(key))


def number_text(value: float) -> str:
    """A number without a needless ".0"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
