"""Static checks of one expression: unknown names, kinds, index arity and scopes. Part of validation."""

from __future__ import annotations

from optmodel.modeling.checks.context import (
    Binding,
    Scope,
)
from optmodel.modeling.checks.families import check_family_use, check_unindexed_use
from optmodel.modeling.checks.references import KIND_WORDS, ReferenceChecks
from optmodel.modeling.elaborate.set_families import membership_clause
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode

#: Places where text (a set member) may appear.
_TEXT_ALLOWED = ("an index", "a condition")


class ExpressionChecker(ReferenceChecks):
    """Walks expressions of one element, reporting every static problem at ``path``.

    ``set_limit`` is the position of the set being defined: sets at or after it are not resolved yet.
    A ``constant`` argument names the place (e.g. "a bound") where decision variables are not allowed.
    """

    # --- domains and sets -----------------------------------------------------------------------
    def domain(self, clauses: tuple[ex.DomainClause, ...], scope: Scope) -> dict[str, Binding]:
        """Check ``i in I, (j, k) in PAIRS`` and return the scope extended with its index names."""
        inner = dict(scope)
        for clause in clauses:
            dim = self.set_ref(clause.set_name, scope, indexed=bool(clause.set_index))
            if clause.set_index:
                check_family_use(self, clause, inner)
            count = len(clause.targets)
            if count > 1 and dim is not None and dim != count:
                self.report(
                    IssueCode.INDEX_ARITY,
                    f"members of '{clause.set_name}' have {dim} component(s) but "
                    f"{count} names unpack them",
                    f"write {_unpacking(dim)} in {clause.set_name}",
                )
            for target in clause.targets:
                self.check_binding(target, inner)
                known = clause.set_name if self.decl.kind(clause.set_name) == "set" else None
                inner[target] = Binding(known, dim) if count == 1 else Binding(None, 1)
        return inner

    def set_ref(self, name: str, scope: Scope, *, indexed: bool = False) -> int | None:
        """Check that ``name`` names a set usable here (a family only ``indexed``); return its dimension."""
        if name in self.decl.broken:
            self.unresolved = True
            return None
        kind = self.decl.kind(name)
        if kind is None:
            self.unresolved = True
            if name in scope:
                self.report(
                    IssueCode.TYPE_MISMATCH,
                    f"'{name}' is an index name, not a set",
                    "iterate over a set declared under 'sets'",
                )
            else:
                self.report(
                    IssueCode.UNKNOWN_NAME,
                    f"unknown set '{name}'",
                    self.decl.hint_for_unknown(name, {}),
                )
            return None
        if kind != "set":
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"'{name}' is a {KIND_WORDS[kind]}, not a set",
                "iterate over a set declared under 'sets'",
            )
            return None
        if not indexed:
            check_unindexed_use(self, name)
        if self.set_limit is not None and self.decl.set_order[name] >= self.set_limit:
            self.report(
                IssueCode.SET_ORDER,
                f"set '{name}' is used before it is defined",
                f"sets are resolved in the order written: move '{name}' above the set that uses it",
            )
            self.unresolved = True
        if not self.decl.resolved(name):
            self.unresolved = True
        return self.decl.set_dim(name)

    # --- values -------------------------------------------------------------------------------
    def value(self, node: ex.Node, scope: Scope, constant: str | None = None) -> None:
        """Check ``node`` where a number (or a linear expression, unless ``constant``) is expected."""
        if isinstance(node, ex.Const):
            if isinstance(node.value, str) and constant not in _TEXT_ALLOWED:
                self.report(
                    IssueCode.TYPE_MISMATCH,
                    f"the text {node.value!r} is not a number",
                    "text only names set members: as an index (x['A']) or in a condition (i == 'A')",
                )
            return
        if isinstance(node, ex.Name):
            self.name(node.id, scope, constant)
        elif isinstance(node, ex.Subscript):
            self.subscript(node, scope, constant)
        elif isinstance(node, ex.Unary | ex.Binary):
            for child in node.children():
                self.value(child, scope, constant)
        elif isinstance(node, ex.Call):
            self.call(node, scope, constant)
        elif isinstance(node, ex.Sum):
            inner: Scope = scope
            for gen in node.generators:
                inner = self.domain((gen,), inner)
                for cond in gen.conditions:
                    self.condition(cond, inner)
            self.value(node.body, inner, constant)
        elif isinstance(node, ex.Compare | ex.BoolOp | ex.Not):
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"the condition '{ex.to_source(node)}' cannot be used as a value",
                "a relation belongs at the top of a constraint; filters go after 'if' in a sum "
                "or in the constraint's 'where'",
            )
            self.condition(node, scope)
        elif isinstance(node, ex.TupleNode):
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"the tuple '{ex.to_source(node)}' cannot be used as a value",
                "index with x[i, j]; tuples only appear left of 'in'",
            )
            for item in node.items:
                self.value(item, scope, "an index")
        elif isinstance(node, ex.IfElse):
            self.condition(node.test, scope)
            self.value(node.body, scope, constant)
            self.value(node.orelse, scope, constant)

    def condition(self, node: ex.Node, scope: Scope) -> None:
        """Check a filter (``if``, ``where``, conditional test): parameters and index names only."""
        if isinstance(node, ex.BoolOp | ex.Not):
            for child in node.children():
                self.condition(child, scope)
            return
        if not isinstance(node, ex.Compare):
            self.value(node, scope, "a condition")
            return
        for k, operand in enumerate(node.operands):
            if k > 0 and node.ops[k - 1] in ("in", "not in"):
                self.membership(node.operands[k - 1], operand, scope)
            elif (
                k < len(node.ops)
                and node.ops[k] in ("in", "not in")
                and isinstance(operand, ex.TupleNode)
            ):
                for item in operand.items:
                    self.value(item, scope, "a condition")
            else:
                self.value(operand, scope, "a condition")

    def membership(self, left: ex.Node, right: ex.Node, scope: Scope) -> None:
        clause = membership_clause(right)
        if clause is None:
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"the right side of 'in' must be a set name, not '{ex.to_source(right)}'",
                "write (i, j) in PAIRS",
            )
            return
        dim = self.set_ref(clause.set_name, scope, indexed=bool(clause.set_index))
        if clause.set_index:
            check_family_use(self, clause, scope)
        width = self.item_width(left, scope)
        if dim is not None and width is not None and dim != width:
            self.report(
                IssueCode.INDEX_ARITY,
                f"'{ex.to_source(left)}' has {width} component(s) but members of "
                f"'{clause.set_name}' have {dim}",
                f"write {_unpacking(dim)} in {clause.set_name}",
            )

    def name(self, name: str, scope: Scope, constant: str | None) -> None:
        if name in scope or name == "inf":
            return
        if name in self.decl.broken:
            self.broken_use(name)
            return
        kind = self.decl.kind(name)
        if kind is None:
            self.unresolved = True
            self.report(
                IssueCode.UNKNOWN_NAME,
                f"unknown name '{name}'",
                self.decl.hint_for_unknown(name, scope, self.unbound_advice),
            )
            return
        self.note_use(name, kind, constant)
        if kind in ("variable", "table", "expression"):
            groups = self.decl.index_groups(name) or []
            if groups:
                self.report(
                    IssueCode.INDEX_ARITY,
                    f"{KIND_WORDS[kind]} '{name}' is indexed and needs an index",
                    f"write {name}[{_placeholder(groups)}]",
                )
        elif kind == "set":
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"set '{name}' cannot be used as a value",
                f"iterate over it (sum(... for i in {name})) or count it with len({name})",
            )

    def call(self, node: ex.Call, scope: Scope, constant: str | None) -> None:
        if node.func not in ex.SET_FUNCTIONS:
            for arg in node.args:
                self.value(arg, scope, constant)
            return
        *members, arg = node.args
        for member in members:
            self.value(member, scope, "an index")
        if isinstance(arg, ex.Name) and arg.id not in scope:
            self.set_ref(arg.id, scope)
        elif isinstance(arg, ex.Subscript) and arg.name not in scope:  # len(NB[i])
            self.domain((ex.DomainClause((), arg.name, arg.indices),), scope)
        else:
            usage = f"{node.func}(t, SET)" if members else f"{node.func}(SET)"
            self.report(
                IssueCode.TYPE_MISMATCH,
                f"the last argument of {node.func}() must name a set, not '{ex.to_source(arg)}'",
                f"write {usage}",
            )

    def subscript(self, node: ex.Subscript, scope: Scope, constant: str | None) -> None:
        for item in node.indices:
            self.value(item, scope, "an index")
        name = node.name
        if name in self.decl.broken:
            self.broken_use(name)
            return
        kind = self.decl.kind(name)
        source = ex.to_source(node)
        if name in scope or kind in (None, "set", "scalar"):
            self.not_indexable(name, kind, scope)
            return
        self.note_use(name, kind, constant)
        groups = self.decl.index_groups(name)
        if groups is None:
            return
        if not groups:
            self.report(
                IssueCode.INDEX_ARITY,
                f"{KIND_WORDS[kind or 'variable']} '{name}' has no index, so '{source}' is invalid",
                f"write {name}, or give '{name}' an \"index\"",
            )
            return
        widths = [self.item_width(i, scope) for i in node.indices]
        expected = self.decl.arity(name)
        given = None if None in widths else sum(w for w in widths if w is not None)
        if expected is not None and given is not None and given != expected:
            over = " x ".join(s or "?" for s, _ in groups)
            self.report(
                IssueCode.INDEX_ARITY,
                f"'{source}' gives {given} index value(s) but '{name}' is indexed over {over} "
                f"({expected} value(s))",
                f"write {name}[{_placeholder(groups)}]",
            )
            return
        self.check_positions(node, groups, widths, scope)


def _placeholder(groups: list[tuple[str | None, int | None]]) -> str:
    names: list[str] = []
    for set_name, width in groups:
        base = (set_name or "k")[0].lower()
        for _ in range(width or 1):
            name = base
            suffix = 2
            while name in names:
                name = f"{base}{suffix}"
                suffix += 1
            names.append(name)
    return ", ".join(names)


def _unpacking(dim: int) -> str:
    if dim == 1:
        return "i"
    return "(" + ", ".join(f"i{k}" for k in range(1, dim + 1)) + ")"
