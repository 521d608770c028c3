"""What a name in an expression refers to: index bindings, uses of variables, named expressions and
tables, and which set each index position draws from (the base of ``ExpressionChecker``). Part of validation.
"""

from __future__ import annotations

from optmodel.modeling.checks.context import (
    RESERVED,
    UNBOUND_INDEX,
    Declarations,
    IssueLog,
    Scope,
)
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode, Severity

KIND_WORDS = {
    "variable": "decision variable",
    "table": "indexed parameter",
    "scalar": "scalar parameter",
    "set": "set",
    "expression": "named expression",
}


class ReferenceChecks:
    """The issue log of one element at ``path``, and the checks of what its names refer to.

    ``set_limit`` is the position of the set being defined: sets at or after it are not resolved yet.
    """

    def __init__(
        self,
        decl: Declarations,
        log: IssueLog,
        path: str,
        *,
        set_limit: int | None = None,
        unbound_advice: str = UNBOUND_INDEX,
    ) -> None:
        self.decl = decl
        self.log = log
        self.path = path
        self.set_limit = set_limit
        self.unbound_advice = unbound_advice
        self.variables_used: set[str] = set()
        #: An unknown or malformed name was met, so data-driven checks of this element would only repeat it.
        self.unresolved = False

    def report(
        self, code: IssueCode, message: str, hint: str = "", severity: Severity = Severity.ERROR
    ) -> None:
        self.log.add(self.path, code, message, hint, severity)

    def check_binding(self, target: str, scope: Scope) -> None:
        if target in scope:
            self.report(
                IssueCode.DUPLICATE_NAME,
                f"index name '{target}' is bound twice (the inner one hides the outer one)",
                f"use a different index name, e.g. '{target}2'",
            )
        elif (kind := self.decl.kind(target)) is not None:
            self.report(
                IssueCode.DUPLICATE_NAME,
                f"index name '{target}' hides the {KIND_WORDS[kind]} '{target}'",
                f"rename the index (e.g. '{target[0].lower()}{target[0].lower()}') "
                f"so '{target}' keeps meaning the {KIND_WORDS[kind]}",
            )
        elif target in RESERVED:
            self.report(
                IssueCode.DUPLICATE_NAME,
                f"index name '{target}' hides the built-in '{target}'",
                "use another index name",
            )

    def table_order(self, name: str) -> None:
        """Inside a set's definition, a table is only known once all its index sets are."""
        if self.set_limit is None:
            return
        order = self.decl.set_order
        later = [
            s
            for s in self.decl.formulation.parameters[name].index_sets
            if order.get(s, -1) >= self.set_limit
        ]
        if later:
            self.unresolved = True
            self.report(
                IssueCode.SET_ORDER,
                f"parameter '{name}' is indexed by {later[0]}, which is defined after this set",
                f"move the set below {later[0]}, or {later[0]} above it",
            )

    def broken_use(self, name: str) -> None:
        self.unresolved = True
        if name in self.decl.formulation.variables:
            self.variables_used.add(name)  # it is used, just not checkable
        self.variables_used |= self.decl.expression_variables(name)

    def note_use(self, name: str, kind: str | None, constant: str | None) -> None:
        """Record a use of a declared name, whether bare or subscripted, by what it is."""
        if not self.decl.resolved(name):
            self.unresolved = True
        if kind == "table":
            self.table_order(name)
        if kind == "variable":
            self.use_variable(name, constant)
        if kind == "expression":
            self.use_expression(name, constant)

    def use_variable(self, name: str, constant: str | None) -> None:
        self.variables_used.add(name)
        if constant is not None:
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"decision variable '{name}' cannot be used in {constant}",
                "bounds, filters, indices and set definitions may use only parameters, "
                "sets and index names",
            )

    def use_expression(self, name: str, constant: str | None) -> None:
        self.variables_used |= self.decl.expression_variables(name)
        if constant is not None:
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"named expression '{name}' cannot be used in {constant}",
                "named expressions hold decision variables; use them in constraints and the objective",
            )

    def not_indexable(self, name: str, kind: str | None, scope: Scope) -> None:
        if name in scope:
            self.report(IssueCode.TYPE_MISMATCH, f"index name '{name}' cannot be indexed")
        elif kind is None:
            self.unresolved = True
            self.report(
                IssueCode.UNKNOWN_NAME,
                f"unknown name '{name}'",
                self.decl.hint_for_unknown(name, scope, self.unbound_advice),
            )
        elif kind == "set":
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"set '{name}' cannot be indexed",
                f"to test membership write (i, j) in {name}",
            )
        else:
            self.report(
                IssueCode.INDEX_ARITY,
                f"parameter '{name}' is a scalar and cannot be indexed",
                f'write {name}, or give it an "index" and a table of "values"',
            )

    def item_width(self, item: ex.Node, scope: Scope) -> int | None:
        if isinstance(item, ex.Name) and item.id in scope:
            return scope[item.id].width
        if isinstance(item, ex.TupleNode):
            widths = [self.item_width(i, scope) for i in item.items]
            return None if None in widths else sum(w for w in widths if w is not None)
        return 1

    def check_positions(
        self,
        node: ex.Subscript,
        groups: list[tuple[str | None, int | None]],
        widths: list[int | None],
        scope: Scope,
    ) -> None:
        """Index values drawn from another set (a warning) or constants outside the set (an error)."""
        starts: dict[int, tuple[int, str | None, int | None]] = {}
        position = 0
        for number, (set_name, width) in enumerate(groups, start=1):
            starts[position] = (number, set_name, width)
            if width is None:
                break
            position += width
        position = 0
        for item, width in zip(node.indices, widths, strict=True):
            if width is None:
                return
            number, expected, group_width = starts.get(position, (0, None, None))
            if expected is not None and group_width == width:
                self.check_item(node, item, number, expected, scope)
            position += width

    def check_item(
        self, node: ex.Subscript, item: ex.Node, number: int, expected: str, scope: Scope
    ) -> None:
        source = ex.to_source(node)
        if isinstance(item, ex.Name) and item.id in scope:
            actual = scope[item.id].set_name
            if (
                actual is not None
                and actual != expected
                and self.decl.is_subset(actual, expected) is False
            ):
                self.report(
                    IssueCode.TYPE_MISMATCH,
                    f"in '{source}', '{item.id}' ranges over {actual} but index {number} of "
                    f"'{node.name}' is over {expected}",
                    "check the order of the indices and which index name goes where",
                    Severity.WARNING,
                )
        elif isinstance(item, ex.Const) and self.decl.is_member(expected, item.value) is False:
            members = self.decl.data.sets.get(expected, [])
            shown = ", ".join(repr(m) for m in members[:6]) + (", ..." if len(members) > 6 else "")
            param = self.decl.formulation.parameters.get(node.name)
            defaulted = param is not None and param.default is not None
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"in '{source}', {item.value!r} is not a member of {expected}"
                + (f" (so '{node.name}' gives its default there)" if defaulted else ""),
                f"members of {expected} are: {shown}",
                Severity.WARNING if defaulted else Severity.ERROR,
            )
