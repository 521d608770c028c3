"""The relation of a constraint (or of a logical constraint's part): its form, and its value parts."""

from __future__ import annotations

from optmodel.modeling.checks.context import IssueLog
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.issues import IssueCode


def relation_or_report(node: ex.Node, path: str, log: IssueLog) -> ex.Compare | None:
    """The constraint's relation, or None after reporting why it is not one."""
    source = ex.to_source(node)
    if isinstance(node, ex.BoolOp):
        log.add(
            path,
            IssueCode.NOT_A_CONSTRAINT,
            f"'{source}' joins several conditions with '{node.op}'",
            "write each relation as its own constraint",
        )
        return None
    if not isinstance(node, ex.Compare):
        log.add(
            path,
            IssueCode.NOT_A_CONSTRAINT,
            f"'{source}' is not a relation",
            "a constraint compares two sides with <=, >= or ==, e.g. sum(x[i] for i in I) <= cap",
        )
        return None
    strict = [op for op in node.ops if op in ("<", ">")]
    if strict:
        log.add(
            path,
            IssueCode.STRICT_INEQUALITY,
            f"strict inequality '{strict[0]}' in '{source}' cannot be enforced by a solver",
            "use <= or >= (add a small margin to the right-hand side if strictness matters)",
        )
        return None
    other = [op for op in node.ops if op not in ("<=", ">=", "==")]
    if other:
        log.add(
            path,
            IssueCode.NOT_A_CONSTRAINT,
            f"'{other[0]}' is not a constraint relation (in '{source}')",
            "use <=, >= or ==; 'x != v' needs a disjunction with a binary variable",
        )
        return None
    return node


def operands(node: ex.Node) -> list[ex.Node]:
    """The value parts of a (mis)written relation, so their names are checked too."""
    if isinstance(node, ex.Compare):
        return [
            o
            for k, o in enumerate(node.operands)
            if k == 0 or node.ops[k - 1] not in ("in", "not in")
        ]
    if isinstance(node, ex.BoolOp | ex.Not):
        return [o for child in node.children() for o in operands(child)]
    return [node]
