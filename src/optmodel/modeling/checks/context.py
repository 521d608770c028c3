"""What validation knows of a Formulation: declarations, their kinds and index structure; the issue log.

Part of :mod:`optmodel.modeling.checks.validate`. Nothing here evaluates an expression over the data; the data is
consulted only for set dimensions and set membership.
"""

from __future__ import annotations

import difflib
import keyword
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from optmodel.errors import ExpressionError
from optmodel.modeling.elaborate.definition_uses import reached
from optmodel.modeling.elaborate.evaluate import EvaluationError, ModelData, normalize_member
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode, Severity

#: How to bind an index name used outside any domain, in a constraint.
UNBOUND_INDEX = (
    '\'{name}\' is not bound here: add "forall": "{name} in {set}" to the constraint, '
    "or sum over it: sum(... for {name} in {set})"
)
#: Names the expression language gives a meaning of its own; declaring them hides that meaning.
RESERVED = frozenset({"sum", "inf", *ex.FUNCTIONS})


class IssueLog:
    """Issues in the order found, without exact duplicates."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._seen: set[tuple[str, IssueCode, str]] = set()

    def add(
        self,
        path: str,
        code: IssueCode,
        message: str,
        hint: str = "",
        severity: Severity = Severity.ERROR,
    ) -> None:
        key = (path, code, message)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(Issue(path, code, message, hint, severity))

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.add(issue.path, issue.code, issue.message, issue.hint, issue.severity)

    def has_error(self, path: str) -> bool:
        """Whether an error was reported at ``path`` or inside it."""
        return any(
            i.severity is Severity.ERROR and (i.path == path or i.path.startswith(path + "."))
            for i in self.issues
        )


def parse_or_report(source: str, path: str, log: IssueLog) -> ex.Node | None:
    """The parsed expression, or None after logging why it does not parse."""
    try:
        return ex.parse(source)
    except ExpressionError as error:
        log.add(path, _expression_code(error), str(error), error.hint)
    except RecursionError:
        log.add(path, IssueCode.SYNTAX, "the expression is nested too deeply", "simplify it")
    return None


def parse_domain_or_report(
    source: str, path: str, log: IssueLog
) -> tuple[ex.DomainClause, ...] | None:
    """The parsed domain ('i in I, j in J'), or None after logging why it does not parse."""
    try:
        return ex.parse_domain(source)
    except ExpressionError as error:
        log.add(path, _expression_code(error), str(error), error.hint)
    except RecursionError:
        log.add(
            path,
            IssueCode.SYNTAX,
            "the domain is nested too deeply",
            "write it as 'i in I, j in J'",
        )
    return None


def _expression_code(error: ExpressionError) -> IssueCode:
    message = str(error)
    forbidden = "not allowed" in message or "only" in message or "unknown function" in message
    return IssueCode.FORBIDDEN_SYNTAX if forbidden else IssueCode.SYNTAX


@dataclass(frozen=True)
class Binding:
    """What an index name ranges over: a set (None for one component of a tuple set) and its width."""

    set_name: str | None
    width: int | None


Scope = Mapping[str, Binding]


class Declarations:
    """The declared names of a Formulation, their kinds and index structure, plus its resolved data."""

    def __init__(self, formulation: Formulation, data: ModelData, broken: set[str]) -> None:
        self.formulation = formulation
        self.data = data
        #: Names whose declarations are malformed (dropped, or with an invalid index): already reported,
        #: so their uses are not checked again.
        self.broken = broken
        #: Sets and parameters with data errors (reported at their declaration, not at every use).
        self.tainted: set[str] = set()
        self.set_order = {name: i for i, name in enumerate(formulation.sets)}
        self._dims: dict[str, int | None] = {}
        self._var_domains: dict[str, tuple[ex.DomainClause, ...] | None] = {}

    def kind(self, name: str) -> str | None:
        """'set', 'table', 'scalar', 'variable', or None when undeclared.

        A name declared twice (reported as a duplicate) means its first declaration, in document order.
        """
        f = self.formulation
        if name in f.sets:
            return "set"
        if name in f.parameters:
            return "table" if f.parameters[name].index_sets else "scalar"
        if name in f.variables:
            return "variable"
        if name in f.expressions or name in f.piecewise:
            return "expression"
        return None

    def names(self) -> list[str]:
        f = self.formulation
        return [*f.sets, *f.parameters, *f.variables, *f.expressions, *f.piecewise]

    def expression_variables(self, name: str) -> set[str]:
        """Variables a named expression uses, through the expressions it uses too (best effort)."""
        return reached(self.formulation, name) & set(self.formulation.variables)

    def set_dim(self, name: str, _seen: frozenset[str] = frozenset()) -> int | None:
        """Number of components of the set's members, or None when it cannot be told."""
        if name not in self._dims:
            self._dims[name] = self._compute_dim(name, _seen | {name})
        return self._dims[name]

    def _compute_dim(self, name: str, seen: frozenset[str]) -> int | None:
        set_def = self.formulation.sets.get(name)
        if set_def is None:
            return None
        if set_def.from_ is not None:
            try:
                clauses = ex.parse_domain(set_def.from_)
            except (ExpressionError, RecursionError):
                return None
            total = 0
            for clause in clauses:
                if len(clause.targets) > 1:
                    total += len(clause.targets)
                    continue
                width = None if clause.set_name in seen else self.set_dim(clause.set_name, seen)
                if width is None:
                    return None
                total += width
            return total
        members = self.data.sets.get(name)
        if members:
            return self.data.dimen(name)
        return 1 if set_def.range is not None or set_def.members == [] else None

    def var_domain(self, name: str) -> tuple[ex.DomainClause, ...] | None:
        """A variable's (or named expression's) index as domain clauses (list indices get placeholder
        targets); None if invalid."""
        if name not in self._var_domains:
            f = self.formulation
            owner = f.variables.get(name) or f.expressions.get(name) or f.piecewise[name]
            index = owner.index
            domain: tuple[ex.DomainClause, ...] | None
            if isinstance(index, str):
                try:
                    domain = ex.parse_domain(index) if index.strip() else ()
                except (ExpressionError, RecursionError):
                    domain = None
            else:
                domain = tuple(ex.DomainClause((f"_{k}",), s) for k, s in enumerate(index))
            self._var_domains[name] = domain
        return self._var_domains[name]

    def index_groups(self, name: str) -> list[tuple[str | None, int | None]] | None:
        """For a variable or table: (set, width) per index position group; None if unknown."""
        kind = self.kind(name)
        if kind == "table":
            return [(s, self.set_dim(s)) for s in self.formulation.parameters[name].index_sets]
        if kind not in ("variable", "expression"):
            return None
        domain = self.var_domain(name)
        if domain is None:
            return None
        groups: list[tuple[str | None, int | None]] = []
        for clause in domain:
            if len(clause.targets) > 1:
                groups += [(None, 1)] * len(clause.targets)
            else:
                groups.append((clause.set_name, self.set_dim(clause.set_name)))
        return groups

    def arity(self, name: str) -> int | None:
        groups = self.index_groups(name)
        if groups is None or any(width is None for _, width in groups):
            return None
        return sum(width for _, width in groups if width is not None)

    def resolved(self, name: str) -> bool:
        """Whether a declared set or parameter came out of data resolution without errors."""
        if name in self.tainted:
            return False
        kind = self.kind(name)
        if kind == "set":
            return name in self.data.sets
        if kind == "table":
            return name in self.data.tables
        if kind == "scalar":
            return name in self.data.scalars
        return True

    def is_member(self, set_name: str, value: object) -> bool | None:
        """Whether ``value`` is a member of the resolved set; None when the set was not resolved."""
        if set_name not in self.data.sets:
            return None
        try:
            return self.data.contains(set_name, normalize_member(value))
        except EvaluationError:
            return False

    def is_subset(self, inner: str, outer: str) -> bool | None:
        if inner not in self.data.sets or outer not in self.data.sets:
            return None
        return all(self.data.contains(outer, m) for m in self.data.sets[inner])

    def hint_for_unknown(self, name: str, scope: Scope, unbound_advice: str = UNBOUND_INDEX) -> str:
        """A did-you-mean hint over every declared name and the index names in scope.

        A lower-case name matching a set (``i`` for ``I``) is an index used outside its domain;
        ``unbound_advice`` (formatted with ``name`` and ``set``) says how to bind it.
        """
        sets = [s for s in self.formulation.sets if s.lower() == name.lower() and s != name]
        if sets and name.islower():
            return unbound_advice.format(name=name, set=sets[0])
        candidates = [*self.names(), *scope]
        same_case = [c for c in candidates if c.lower() == name.lower() and c != name]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(same_case + close))
        if suggestions:
            return "did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"
        return "declare it under sets, parameters or variables, or fix the spelling"


def check_element_name(name: str, path: str, log: IssueLog) -> None:
    """Names of sets, parameters and variables must be usable inside expressions."""
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        log.add(
            path,
            IssueCode.SCHEMA,
            f"'{name}' cannot be used in expressions",
            "use a name made of letters, digits and '_' that starts with a letter and is not a Python keyword",
            Severity.WARNING,  # harmless until an expression tries to use it (an error there)
        )
    elif not ex.normalizes_unchanged(name):
        log.add(
            path,
            IssueCode.SCHEMA,
            f"'{name}' is read as '{unicodedata.normalize('NFKC', name)}' inside expressions "
            "(Unicode NFKC normalisation)",
            "rename it with letters that do not change under normalisation (e.g. plain ASCII)",
        )
    elif name in RESERVED:
        # 'inf' would change meaning in every expression; a parameter named 'max' still works.
        log.add(
            path,
            IssueCode.DUPLICATE_NAME,
            f"'{name}' is a built-in name of the expression language",
            f"rename it (e.g. '{name}_value')",
            Severity.ERROR if name == "inf" else Severity.WARNING,
        )
