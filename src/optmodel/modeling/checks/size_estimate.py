"""How big a Formulation would be, estimated from its declarations before anything is built.

Set sizes come from the members, ranges and ``from`` products (an upper bound: a ``where`` filter is
ignored); tables, variables, expressions and constraint families multiply the sizes of their index sets; a
sum costs the product of the sets it iterates times the cost of its body (for validation, which estimates
what the matrix fast path builds, a filter ``if i == n`` on an outer index costs only its matches).
Whatever exceeds a :class:`~optmodel.limits.Limits` value comes back as a ``model-too-large``
issue naming the element, the expression and its estimated size, so a model asking for 10^12 terms is
refused in milliseconds instead of running until the machine gives out.

Other modules (validation, the compiler, a fast matrix build) call :func:`size_issues` and stop on errors.

>>> from optmodel.modeling.language.ir import Formulation
>>> model = Formulation.model_validate({
...     "sets": {"I": {"range": [1, 100000]}},
...     "variables": {"x": {"index": ["I"]}},
...     "objective": {"sense": "min", "expression": "sum(x[i] for i in I for j in I)"},
... })
>>> [issue.message for issue in size_issues(model)]  # doctest: +ELLIPSIS
["'sum(x[i] for i in I for j in I)' would build about 10,000,000,000 terms, ..."]
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from optmodel.errors import ExpressionError
from optmodel.limits import Limits, current_limits
from optmodel.modeling.elaborate.evaluate import Evaluator
from optmodel.modeling.elaborate.model_data import ModelData
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation, index_sets
from optmodel.modeling.language.issues import Issue, IssueCode


def _product(sizes: Iterable[float]) -> float:
    return math.prod(sizes, start=1.0)


class _Estimator:
    def __init__(self, formulation: Formulation, limits: Limits, joins: bool) -> None:
        self.formulation = formulation
        self.limits = limits
        self.joins = joins
        self.sizes: dict[str, float] = {}
        self.issues: list[Issue] = []
        self.total_terms = 0.0

    # --- sizes ------------------------------------------------------------------------------------
    def set_size(self, name: str) -> float:
        return self.sizes.get(name, 1.0)  # unknown sets are reported elsewhere

    def domain_size(self, domain: str | list[str]) -> float:
        return _product(self.set_size(s) for s in index_sets(domain))

    def scalar(self, end: int | str) -> float | None:
        if isinstance(end, int):
            return float(end)
        scalars = {
            name: float(p.value)
            for name, p in self.formulation.parameters.items()
            if isinstance(p.value, int | float) and not isinstance(p.value, bool)
        }
        try:  # e.g. "n * 1000": the scalars suffice; anything else is left to resolve_data's own cap
            value = Evaluator(ModelData(scalars=scalars)).eval(ex.parse(end), {})
        except Exception:
            return None
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None

    def estimate_sets(self) -> None:
        for name, set_def in self.formulation.sets.items():
            size: float | None = None
            # A family's size is all its members together; a use NB[i] counts its largest member.
            per_member: float | None = None
            if isinstance(set_def.members, dict):
                lists = [len(m) for m in set_def.members.values() if isinstance(m, list)]
                size, per_member = float(sum(lists)), float(max(lists, default=0))
            elif set_def.members is not None:
                size = float(len(set_def.members))
            elif set_def.range is not None and len(set_def.range) == 2:
                first, last = (self.scalar(e) for e in set_def.range)
                if first is not None and last is not None:
                    size = max(last - first + 1, 0.0)
            elif set_def.from_ is not None:
                size = self.domain_size(set_def.from_)
                if set_def.index is not None:  # filtered once per index member
                    size, per_member = size * self.domain_size(set_def.index), size
                if set_def.where:
                    self.add_terms(f"sets.{name}.where", set_def.where, size)
            if size is None:
                continue
            self.sizes[name] = size if per_member is None else per_member
            self.check(
                f"sets.{name}",
                f"set '{name}'",
                size,
                self.limits.max_set_members,
                "max_set_members",
            )

    # --- expressions ------------------------------------------------------------------------------
    def cost(self, node: ex.Node, joins: dict[str, str] | None = None) -> float:
        """Terms built when evaluating ``node`` once.

        With ``joins`` (index name -> the set whose members it takes, for the names bound around
        ``node``), a generator filtered by ``target == name`` is counted as the matrix fast path builds it:
        a look-up of the members whose target equals the name's value. Over all values of ``name`` those
        members are the set at most once, so one evaluation costs the set's size / the name's set's size.
        Without ``joins`` every candidate member is tried, as the interpreter and the Pyomo compiler do.
        """
        if isinstance(node, ex.Sum):
            iterations, inner, lookups = 1.0, 0.0, 0.0
            scope = None if joins is None else dict(joins)
            for generator in node.generators:
                size = self.set_size(generator.set_name)
                joined: ex.Node | None = None
                if scope is not None:
                    joined, by = _join(generator, scope)
                    if by is not None:
                        lookups += iterations  # one look-up per row the generator starts from
                        size = size / max(self.set_size(scope[by]), 1.0)
                    if len(generator.targets) == 1 and not generator.set_index:
                        scope[generator.targets[0]] = generator.set_name
                    else:
                        for target in generator.targets:
                            scope.pop(target, None)
                iterations *= size
                # The look-up decides the joined equality; the other conditions run on every match.
                inner += sum(self.cost(c, scope) for c in generator.conditions if c is not joined)
            return lookups + iterations * max(inner + self.cost(node.body, scope), 1.0)
        if isinstance(node, ex.Subscript | ex.Name | ex.Const):
            return 1.0  # one term, however its index is computed
        return 1.0 + sum(self.cost(child, joins) for child in node.children())

    def add_terms(
        self, path: str, text: str, instances: float, joins: dict[str, str] | None = None
    ) -> None:
        try:
            cost = self.cost(ex.parse(text), joins)
        except (ExpressionError, RecursionError):
            return  # reported by the expression checks
        terms = instances * cost
        self.total_terms += terms
        shown = text if len(text) <= 80 else text[:77] + "..."
        what = f"'{shown}'" + (f" over {instances:,.0f} instances" if instances > 1 else "")
        self.check(path, what, terms, self.limits.max_terms, "max_terms", unit="terms")

    def joinable(self, forall: str | None) -> dict[str, str] | None:
        """The names a constraint's ``forall`` binds to a set's members one at a time, when estimating for
        the fast path (None: every filter scans)."""
        if not self.joins:
            return None
        if not forall or not forall.strip():
            return {}
        try:
            clauses = ex.parse_domain(forall)
        except (ExpressionError, RecursionError):
            return {}
        return {
            c.targets[0]: c.set_name for c in clauses if len(c.targets) == 1 and not c.set_index
        }

    # --- checks -----------------------------------------------------------------------------------
    def check(
        self, path: str, what: str, size: float, limit: float, field: str, unit: str = "members"
    ) -> None:
        if size <= limit:
            return
        self.issues.append(
            Issue(
                path,
                IssueCode.TOO_LARGE,
                f"{what} would build about {size:,.0f} {unit}, more than the {limit:,.0f} allowed",
                f"shrink the sets it runs over or split the model; to allow it, raise Limits.{field} "
                f"(OPTMODEL_LIMITS={field}=...)",
            )
        )

    def run(self) -> list[Issue]:
        f, limits = self.formulation, self.limits
        self.estimate_sets()
        for name, param in f.parameters.items():
            entries = self.domain_size(param.index) if param.index else 1.0
            if param.default is not None and not param.expression:
                continue  # a sparse table: only the sums that read it cost, and they are counted
            self.check(
                f"parameters.{name}",
                f"parameter '{name}'",
                entries,
                limits.max_table_entries,
                "max_table_entries",
                unit="entries",
            )
            if param.expression:
                self.add_terms(f"parameters.{name}.expression", param.expression, entries)
        for name, var in f.variables.items():
            count = self.domain_size(var.index)
            self.check(
                f"variables.{name}",
                f"variable '{name}'",
                count,
                limits.max_instances,
                "max_instances",
                unit="instances",
            )
            for field in ("lb", "ub"):
                bound = getattr(var, field)
                if isinstance(bound, str):
                    self.add_terms(f"variables.{name}.{field}", bound, count)
        for name, named in f.expressions.items():
            count = self.domain_size(named.index) if named.index else 1.0
            self.add_terms(f"expressions.{name}.expression", named.expression, count)
        # The objective and the constraints are what the matrix fast path builds (joining equality filters).
        self.add_terms("objective.expression", f.objective.expression, 1.0, self.joinable(None))
        for name, con in f.constraints.items():
            count = self.domain_size(con.forall) if con.forall else 1.0
            self.check(
                f"constraints.{name}",
                f"constraint family '{name}'",
                count,
                limits.max_instances,
                "max_instances",
                unit="instances",
            )
            if con.where:
                self.add_terms(f"constraints.{name}.where", con.where, count)
            self.add_terms(
                f"constraints.{name}.expression", con.expression, count, self.joinable(con.forall)
            )
        if not self.issues:
            terms, limit = self.total_terms, limits.max_terms
            self.check("(model)", "the whole model", terms, limit, "max_terms", unit="terms")
        return self.issues


def size_issues(
    formulation: Formulation, limits: Limits | None = None, *, joins: bool = False
) -> list[Issue]:
    """Every set, table, variable, sum and constraint family that would be larger than ``limits`` allow.

    ``joins``: estimate the objective and constraints as the matrix fast path builds them, where a sum
    filtered by ``if i == n`` (``n`` bound outside the sum) looks up the matching members instead of trying
    every one. Validation estimates so (its own per-term checks are capped); the Pyomo compiler, which tries
    every member, estimates without, and so refuses such a model when the scan would be too large.
    """
    return _Estimator(formulation, limits or current_limits(), joins).run()


def _join(generator: ex.Generator, bound: dict[str, str]) -> tuple[ex.Node | None, str | None]:
    """The generator's first ``target == name`` condition (the one the fast path joins on) and that outer
    name, if it takes a set's members one at a time (set families are built by the Pyomo path)."""
    if generator.set_index:
        return None, None
    for condition in generator.conditions:
        if not (isinstance(condition, ex.Compare) and condition.ops == ("==",)):
            continue
        for mine, other in (condition.operands, condition.operands[::-1]):
            if not (isinstance(mine, ex.Name) and mine.id in generator.targets):
                continue
            if ex.free_names(other) & set(generator.targets):
                continue
            # The fast path joins on the first such condition, whatever its other side is.
            if isinstance(other, ex.Name) and other.id in bound:
                return condition, other.id
            return None, None
    return None, None
