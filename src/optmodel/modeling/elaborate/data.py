"""Resolving a Formulation's sets and parameters into concrete data, reporting every data problem found."""

from __future__ import annotations

from optmodel.errors import ExpressionError
from optmodel.limits import current_limits
from optmodel.modeling.elaborate import computed
from optmodel.modeling.elaborate.definition_uses import parameter_uses
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Member,
    ModelData,
    as_key,
    is_number,
)
from optmodel.modeling.elaborate.integer_members import IntegerMembers
from optmodel.modeling.elaborate.model_data import normalize_members_array
from optmodel.modeling.elaborate.named import resolve_expressions
from optmodel.modeling.elaborate.piecewise import resolve_piecewise
from optmodel.modeling.elaborate.set_families import resolve_family
from optmodel.modeling.elaborate.table_values import number_or_issue, resolve_table
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation, ParamDef, SetDef
from optmodel.modeling.language.issues import Issue, IssueCode

_CODES = {
    "unknown-name": IssueCode.UNKNOWN_NAME,
    "index-arity": IssueCode.INDEX_ARITY,
    "missing-data": IssueCode.MISSING_DATA,
}


def issue_from(error: EvaluationError | ExpressionError, path: str) -> Issue:
    if isinstance(error, ExpressionError):
        code = IssueCode.FORBIDDEN_SYNTAX if "not allowed" in str(error) else IssueCode.SYNTAX
        return Issue(path, code, str(error), error.hint)
    return Issue(path, _CODES.get(error.code, IssueCode.TYPE_MISMATCH), str(error), error.hint)


def resolve_data(formulation: Formulation) -> tuple[ModelData, list[Issue]]:
    """Build the concrete sets and parameter tables; data problems come back as Issues.

    Sets are resolved in declaration order (a set may only use sets and parameters declared before it, since
    a parameter's default or table may not depend on sets that come later).
    """
    data = ModelData()
    issues: list[Issue] = []
    evaluator = Evaluator(data)
    params = formulation.parameters
    # Scalars first: set ranges may name them.
    for name, param in params.items():
        if not param.index_sets and param.expression is None:
            value = _scalar(name, param, issues)
            if value is not None:
                data.scalars[name] = value
    # Tables and computed parameters are resolved as soon as what they read exists, so a derived set may
    # filter on them (and a computed parameter may read another).
    pending = {name: p for name, p in params.items() if p.index_sets or p.expression is not None}

    def ready(param: ParamDef) -> bool:
        if param.expression is None:
            return all(s in data.sets for s in param.index_sets)
        needed = parameter_uses(param) & (set(params) | set(formulation.sets))
        return all(n in data.sets or n in data.scalars or n in data.tables for n in needed)

    def resolve_ready() -> None:
        progress = True
        while progress:
            progress = False
            for name, param in list(pending.items()):
                if ready(param):
                    del pending[name]
                    _resolve(name, param, data, issues, formulation)
                    progress = True

    resolve_ready()
    for name, set_def in formulation.sets.items():
        if set_def.index is not None:
            issues += resolve_family(name, set_def, data, evaluator)
        elif (resolved := _resolve_set(name, set_def, evaluator, issues)) is not None and not (
            data.add_set(name, *resolved)
        ):
            issues.append(
                Issue(
                    f"sets.{name}",
                    IssueCode.DUPLICATE_NAME,
                    f"set '{name}' lists some members more than once",
                    "list each member once",
                )
            )
        resolve_ready()
    for name, param in pending.items():
        if param.expression is None:
            resolve_table(name, param, data, issues)  # reports the unknown index sets
            continue
        missing = sorted(
            n
            for n in parameter_uses(param) & (set(params) | set(formulation.sets))
            if n not in data.sets and n not in data.scalars and n not in data.tables
        )
        issues.append(
            Issue(
                f"parameters.{name}.expression",
                IssueCode.MISSING_DATA,
                f"parameter '{name}' is computed from {', '.join(missing)}, which have no values",
                "fix those first; computed parameters may not depend on each other in a cycle",
            )
        )
    issues += resolve_expressions(formulation, data)
    issues += resolve_piecewise(formulation, data)
    return data, issues


def _resolve(
    name: str, param: ParamDef, data: ModelData, issues: list[Issue], formulation: Formulation
) -> None:
    if param.expression is None:
        resolve_table(name, param, data, issues)
        return
    path = f"parameters.{name}"
    try:
        value = computed.compute(name, param, data, formulation.variables)
    except (EvaluationError, ExpressionError) as error:
        at_index = isinstance(error, ExpressionError) and "domain" in str(error)
        issues.append(issue_from(error, f"{path}.index" if at_index else f"{path}.expression"))
        return
    if isinstance(value, dict):
        data.tables[name] = value
        data.table_index[name] = param.index_sets
    else:
        data.scalars[name] = value


def _scalar(name: str, param: ParamDef, issues: list[Issue]) -> float | None:
    path = f"parameters.{name}"
    if param.values is not None and param.value is None:
        issues.append(
            Issue(
                path,
                IssueCode.SCHEMA,
                f"parameter '{name}' has a table of values but no index",
                'add "index": [SET, ...] naming the sets the table is indexed by',
            )
        )
        return None
    if param.value is None:
        issues.append(
            Issue(
                path,
                IssueCode.MISSING_DATA,
                f"scalar parameter '{name}' has no value",
                'add "value": NUMBER',
            )
        )
        return None
    return number_or_issue(param.value, f"{path}.value", issues)


def _resolve_set(
    name: str, set_def: SetDef, evaluator: Evaluator, issues: list[Issue]
) -> tuple[list[Member], IntegerMembers | None] | None:
    """The set's members (and their array when reading them built it), or None after an issue."""
    path = f"sets.{name}"
    given = [
        f
        for f in ("members", "range", "from")
        if getattr(set_def, "from_" if f == "from" else f) is not None
    ]
    if len(given) != 1:
        issues.append(
            Issue(
                path,
                IssueCode.SCHEMA,
                f"set '{name}' must be given by exactly one of members, range or from (got {given or 'none'})",
                'e.g. "members": ["A", "B"] or "range": [1, 5]',
            )
        )
        return None
    if isinstance(set_def.members, dict) or set_def.within is not None:
        issues.append(
            Issue(
                path,
                IssueCode.SCHEMA,
                f"set '{name}' lists members per index member or names 'within' but has no 'index'",
                'a set family needs "index": "N" (its members per member of N); '
                'a plain set lists its members: "members": ["A", "B"]',
            )
        )
        return None
    if set_def.where is not None and set_def.from_ is None:
        issues.append(
            Issue(f"{path}.where", IssueCode.SCHEMA, "'where' needs 'from'", 'add "from": "i in I"')
        )
    try:
        if set_def.members is not None:
            return normalize_members_array(set_def.members)
        if set_def.range is not None:
            members = _range_members(set_def.range, evaluator)
        else:
            members = _filtered_members(set_def, evaluator)
    except (EvaluationError, ExpressionError) as error:
        field = (
            "members"
            if set_def.members is not None
            else "range"
            if set_def.range is not None
            else "from"
        )
        issues.append(issue_from(error, f"{path}.{field}"))
        return None
    return members, None  # duplicates are found (and dropped) by ModelData.add_set


def _range_members(bounds: list[int | str], evaluator: Evaluator) -> list[Member]:
    if len(bounds) != 2:
        raise EvaluationError("a range is [first, last]", 'e.g. "range": [1, 12]')
    ends = []
    for end in bounds:
        value = evaluator.eval(ex.parse(end), {}) if isinstance(end, str) else end
        whole = isinstance(value, float) and value.is_integer()  # False for inf and nan
        if not (whole or (is_number(value) and isinstance(value, int))):
            raise EvaluationError(f"range ends must be whole numbers, got {value!r}")
        ends.append(int(value))
    most = current_limits().max_set_members
    if ends[1] - ends[0] >= most:
        raise EvaluationError(
            f"the range [{ends[0]}, {ends[1]}] has more than {most:,} members",
            "check its ends; sets this large do not fit a model",
        )
    return list(range(ends[0], ends[1] + 1))


def _filtered_members(set_def: SetDef, evaluator: Evaluator) -> list[Member]:
    assert set_def.from_ is not None
    clauses = ex.parse_domain(set_def.from_)
    condition = (ex.parse(set_def.where),) if set_def.where else ()
    targets = [t for c in clauses for t in c.targets]
    conds: list[tuple[ex.Node, ...]] = [() for _ in clauses]
    conds[-1] = condition
    return [
        as_key(tuple(binding[t] for t in targets))  # type: ignore[misc]
        for binding in evaluator.bindings(clauses, conds, {})
    ]
