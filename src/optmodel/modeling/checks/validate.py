"""Validation of a Formulation: every problem at once, each as an :class:`Issue` an LLM can act on.

>>> from optmodel.modeling.checks.validate import validate, format_issues
>>> issues = validate({"variables": {"x": {}}, "objective": {"sense": "max", "expression": "3 * y"}})
>>> [(i.path, i.code.value) for i in issues]
[('variables.x', 'unused-variable'), ('objective.expression', 'unknown-name')]
>>> print(format_issues(issues).splitlines()[0])
The formulation has 1 error(s) and 1 warning(s).

Checks, in document order: shape (from :func:`~optmodel.modeling.language.load.parse_document`); element names
(duplicates, reserved words); sets (definition order), parameters and their data; variables and their
bounds; the objective; every constraint (relation form, names, index arity, scopes, kinds); unused
variables; then data-driven checks over the resolved data (see :mod:`optmodel.modeling.checks.data`).
A malformed element is dropped so the rest can still be checked. ``validate`` never raises: an internal
failure becomes an ``UNSUPPORTED`` issue at the element being checked (and is a bug to report).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optmodel.errors import ModelFileError
from optmodel.modeling.checks import elements
from optmodel.modeling.checks.big_m import check_big_m
from optmodel.modeling.checks.bounds import (
    CheckedVariable,
    check_expression_bounds,
    check_unbounded,
)
from optmodel.modeling.checks.context import Declarations, IssueLog
from optmodel.modeling.checks.data import CheckedConstraint, OutOfBudget, Probe
from optmodel.modeling.checks.definitions import (
    check_named_expression,
    check_named_with_data,
    check_piecewise,
)
from optmodel.modeling.checks.logic import check_logic
from optmodel.modeling.checks.magnitudes import check_magnitudes
from optmodel.modeling.checks.size_estimate import size_issues
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.elaborate.evaluate import ModelData
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.document_limits import DocumentTooLarge, check_nesting
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode, Severity
from optmodel.modeling.language.load import decode_text, parse_document, prepare_document

_SECTIONS = ("sets", "parameters", "variables", "expressions", "piecewise", "constraints", "logic")


@dataclass
class _Salvage:
    """What had to be dropped from a malformed document to check the rest."""

    broken: set[str] = field(default_factory=set)
    objective_replaced: bool = False
    sense_replaced: bool = False
    constraints_dropped: bool = False

    @property
    def partial(self) -> bool:
        """Something that expressions may refer to is missing, so 'unused' and 'unbounded' can't be told."""
        return bool(self.broken) or self.objective_replaced or self.constraints_dropped


def validate(
    source: Formulation | Mapping[str, Any] | str | Path, *, base_dir: Path | None = None
) -> list[Issue]:
    """Every problem of a Formulation, in document order (errors and warnings).

    ``source`` is a Formulation, a decoded JSON/YAML document (pandas/numpy data welcome), JSON/YAML text
    or a path to a file. Table files are read relative to ``base_dir`` (default: the file's folder, else
    the working directory).
    Shape problems come back as ``SCHEMA`` issues; the elements they concern are left out of the other
    checks. Never raises.
    """
    return validate_resolved(source, base_dir=base_dir)[0]


def validate_resolved(
    source: Formulation | Mapping[str, Any] | str | Path, *, base_dir: Path | None = None
) -> tuple[list[Issue], ModelData | None]:
    """:func:`validate`, and the data it resolved (None when the document did not get that far), so a
    caller compiling the model next does not resolve big tables a second time."""
    log = IssueLog()
    data: ModelData | None = None
    with _guarded(log, "(document)"):
        formulation, salvage = _load(source, log, base_dir)
        if formulation is not None:
            data = _check(formulation, salvage, log)
    return _in_document_order(log.issues), data


def format_issues(issues: Sequence[Issue]) -> str:
    """The issues as numbered text, errors first, each with its hint: ready for a repair prompt."""
    if not issues:
        return "No problems found."
    errors = [i for i in issues if i.severity is Severity.ERROR]
    warnings = [i for i in issues if i.severity is not Severity.ERROR]
    lines = [f"The formulation has {len(errors)} error(s) and {len(warnings)} warning(s)."]
    number = 1
    for title, group in (("Errors (must be fixed)", errors), ("Warnings (check these)", warnings)):
        if not group:
            continue
        lines += ["", f"{title}:"]
        for issue in group:
            lines.append(f"{number}. {issue.path}: {issue.message} [{issue.code.value}]")
            if issue.hint:
                lines.append(f"   Hint: {issue.hint}")
            number += 1
    return "\n".join(lines)


# --- reading ----------------------------------------------------------------------------------------
def _load(
    source: Formulation | Mapping[str, Any] | str | Path, log: IssueLog, base_dir: Path | None
) -> tuple[Formulation | None, _Salvage]:
    if isinstance(source, Formulation):
        return source, _Salvage()
    document: Any = source
    base_dir = base_dir or (source.parent if isinstance(source, Path) else Path.cwd())
    try:
        if isinstance(source, Path):
            document = decode_text(source.read_text(encoding="utf-8"))
        elif isinstance(source, str):
            document = decode_text(source)
    except (ModelFileError, OSError, UnicodeDecodeError) as error:
        log.add(
            "(document)",
            IssueCode.SCHEMA,
            str(error),
            "write the model as one JSON (or YAML) object",
        )
        return None, _Salvage()
    try:
        check_nesting(document)  # before anything walks it recursively
    except DocumentTooLarge as error:
        log.add("(document)", IssueCode.TOO_LARGE, str(error), "flatten the document")
        return None, _Salvage()
    document, file_issues = prepare_document(
        dict(document) if isinstance(document, Mapping) else document, base_dir
    )
    log.extend(file_issues)
    formulation, issues = parse_document(document)
    log.extend(issues)
    if formulation is not None or not isinstance(document, Mapping):
        return formulation, _Salvage()
    return _salvage(dict(document))


def _salvage(document: dict[str, Any]) -> tuple[Formulation | None, _Salvage]:
    """Set the malformed parts aside (their problems are already reported) to check the rest."""
    salvage = _Salvage()
    try:
        candidate = copy.deepcopy(document)
    except Exception:  # odd objects in a hand-built dict: report only the shape problems
        return None, salvage
    for _ in range(5):
        try:
            return Formulation.model_validate(candidate), salvage
        except ValidationError as error:
            for err in error.errors():
                if not _set_aside(candidate, err["loc"], err["type"], salvage):
                    return None, salvage
    return None, salvage


def _set_aside(
    candidate: dict[str, Any], loc: tuple[int | str, ...], kind: str, salvage: _Salvage
) -> bool:
    """Remove what one shape error concerns: a stray field, else its element; False to give up."""
    if not loc:
        return False
    top = loc[0]
    part = candidate.get(str(top))
    if top in _SECTIONS:
        if len(loc) < 2 or not isinstance(part, dict):
            return False
        element = part.get(loc[1])
        if len(loc) >= 3 and isinstance(element, dict) and _stray(loc[2], kind):
            element.pop(loc[2], None)
        elif loc[1] in part:
            del part[loc[1]]
            if top in ("constraints", "logic"):
                salvage.constraints_dropped = True
            else:
                salvage.broken.add(str(loc[1]))
        return True
    if top == "objective":
        if isinstance(part, dict) and len(loc) >= 2 and _stray(loc[1], kind):
            part.pop(loc[1], None)
        elif isinstance(part, dict) and len(loc) >= 2 and loc[1] == "sense":
            part["sense"] = "minimize"
            salvage.sense_replaced = True
        else:
            candidate["objective"] = {"sense": "minimize", "expression": "0"}
            salvage.objective_replaced = True
        return True
    if top in ("name", "description") or top not in Formulation.model_fields:
        candidate.pop(str(top), None)
        return True
    return False


def _stray(field_name: int | str, kind: str) -> bool:
    """An unknown field, or a malformed description: dropping it changes no meaning."""
    return kind == "extra_forbidden" or field_name == "description"


@contextmanager
def _guarded(log: IssueLog, path: str) -> Iterator[None]:
    try:
        yield
    except Exception as error:  # validation answers with Issues, never with a crash
        log.add(
            path,
            IssueCode.UNSUPPORTED,
            f"internal error while checking this: {type(error).__name__}: {error}",
            "this is a bug in optmodel's validator; please report it with the model",
        )


# --- checks -----------------------------------------------------------------------------------------
def _check(formulation: Formulation, salvage: _Salvage, log: IssueLog) -> ModelData | None:
    """Run every check; the resolved data, or None when it was not (fully) resolved."""
    too_large = size_issues(formulation, joins=True)  # the Pyomo compiler re-estimates its scans
    if too_large:  # nothing else can be checked without building what is too large to build
        log.extend(too_large)
        return None
    data = ModelData()
    data_issues: list[Issue] = []
    resolved = None
    with _guarded(log, "(data)"):
        data, data_issues = resolve_data(formulation)
        resolved = data
    decl = Declarations(formulation, data, set(salvage.broken))
    elements.check_names(formulation, log)
    for position, name in enumerate(formulation.sets):
        with _guarded(log, f"sets.{name}"):
            elements.check_set(decl, name, position, log)
    for name in formulation.parameters:
        with _guarded(log, f"parameters.{name}"):
            elements.check_parameter(decl, name, log)
    elements.merge_data_issues(decl, data_issues, log)
    with _guarded(log, "(data)"):
        check_magnitudes(formulation, data, log)
    variables: dict[str, CheckedVariable] = {}
    for name in formulation.variables:
        with _guarded(log, f"variables.{name}"):
            if (checked := elements.check_variable(decl, name, log)) is not None:
                variables[name] = checked
    for name in formulation.expressions:
        with _guarded(log, f"expressions.{name}"):
            check_named_expression(decl, name, log)
    for name in formulation.piecewise:
        with _guarded(log, f"piecewise.{name}"):
            check_piecewise(decl, name, log)
    used: set[str] = set()
    objective = None
    if not salvage.objective_replaced:
        with _guarded(log, "objective"):
            objective = elements.check_objective(decl, log, used)
    for number in range(len(formulation.objective.then)):
        with _guarded(log, f"objective.then[{number}]"):
            elements.check_goal(decl, number, log, used)
    constraints: list[CheckedConstraint] = []
    for name in formulation.constraints:
        with _guarded(log, f"constraints.{name}"):
            if (constraint := elements.check_constraint(decl, name, log, used)) is not None:
                constraints.append(constraint)
    for name in formulation.logic:
        with _guarded(log, f"logic.{name}"):
            check_logic(decl, name, log, used)
    if not salvage.partial:
        elements.check_unused(formulation, used, log)
    # The unbounded check needs every constraint: a skipped one might be the limit it looks for.
    complete = not (salvage.partial or salvage.sense_replaced)
    complete &= len(constraints) == len(formulation.constraints)
    with _guarded(log, "(data)"):
        _check_with_data(Probe(decl), variables, constraints, objective, complete, log)
    return resolved


def _check_with_data(
    probe: Probe,
    variables: dict[str, CheckedVariable],
    constraints: list[CheckedConstraint],
    objective: tuple[str, ex.Node] | None,
    complete: bool,
    log: IssueLog,
) -> None:
    try:
        for var in variables.values():
            check_expression_bounds(probe, var, log)
        for constraint in constraints:
            probe.check_constraint(constraint, log)
        check_big_m(probe, constraints, log)
        if objective is not None:
            value = probe.check_objective(objective[1], log)
            if value is not None and complete and not probe.partial:
                check_unbounded(probe, value, objective[0], variables, log)
        for name in probe.data.expressions:  # last: the term budget goes to the model first
            check_named_with_data(probe, name, log)
    except OutOfBudget:
        return  # a large model: what was checked before the cap stands


_ORDER = {"(document)": 0, "name": 1, "description": 1, "sets": 2, "parameters": 3, "variables": 4}
_ORDER |= {"expressions": 5, "piecewise": 5, "objective": 6, "constraints": 7, "logic": 8}


def _in_document_order(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: _ORDER.get(i.path.split(".", 1)[0].split("[", 1)[0], 9))
