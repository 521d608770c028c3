"""The verification turn: a solved model's plan is shown to the LLM, which checks it against the text.

The reply is a small verdict: ``ok``, or the concrete discrepancies with the text and a corrected
Formulation (which then goes through the usual validate -> compile -> solve path). A model that compiles
but does not solve cleanly (infeasible, unbounded, a solver error) gets the same turn with the solver's
status told in the model's own names and descriptions instead of a plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from string import Template
from typing import Any, Literal

from optmodel.llm.extract import extract_document
from optmodel.llm.prompting import load_prompt
from optmodel.model_solver import ModelRun, Stage
from optmodel.modeling.language.ir import Formulation

_OK = {"ok", "correct", "right", "valid", "pass", "passed", "verified"}
#: Names listed per status message; the rest are counted.
_MAX_NAMES = 12


@dataclass(frozen=True)
class Verdict:
    """What the LLM said about a solved model; ``formulation`` is the corrected document, if any."""

    verdict: Literal["ok", "wrong", "unreadable"]
    discrepancies: tuple[str, ...] = ()
    formulation: dict[str, Any] | None = None
    error: str = ""


def verification_message(report: str) -> str:
    """The user turn that asks for a verdict on the plan described by ``report``."""
    return Template(load_prompt("verify.md")).safe_substitute(report=report.strip())


def status_verification_message(run: ModelRun) -> str | None:
    """The user turn that asks for a verdict on a model that compiled but did not solve cleanly.

    ``None`` when the run solved, or failed before the solver (validation and compile errors are repaired,
    not verified: there is no model to hold against the text yet).
    """
    described = _status(run)
    if described is None:
        return None
    status, outcome = described
    return Template(load_prompt("verify_status.md")).safe_substitute(status=status, outcome=outcome)


def _status(run: ModelRun) -> tuple[str, str] | None:
    """What the solver said, in the model's terms, and the outcome an ``ok`` verdict would confirm."""
    form, result = run.formulation, run.result
    if run.stage is Stage.SOLVE:
        return f"The solver could not solve it: {run.error}", "impossible to solve"
    if run.stage is Stage.CHECK:
        return (
            "The solver's plan violates the model's own constraints, so the model is numerically "
            f"unsound: {run.error}\nLook for huge or tiny coefficients and inconsistent units.",
            "numerically unsound",
        )
    if run.stage is not Stage.DONE or result is None:
        return None
    goal = form.objective
    basis = goal.description or goal.expression
    if result.is_infeasible:
        lines = [
            "The solver reports it INFEASIBLE: no plan satisfies all the constraints together."
        ]
        if result.conflicts:
            lines.append("These constraints cannot all hold at once (a conflicting subset):")
            lines += _described(result.conflicts, form, _constraint_text)
        else:
            lines.append("The solver did not isolate the conflicting constraints.")
        lines.append(
            "In the problem's terms: the model demands more than its limits allow. A direction "
            "(<= vs >=), a right-hand side, a unit or an integrality requirement may be misread."
        )
        return "\n".join(lines), "infeasible (no plan can meet every requirement)"
    if result.is_unbounded:
        lines = [
            f"The solver reports it UNBOUNDED (or infeasible-or-unbounded): the objective "
            f"({goal.sense}; {basis}) can improve without limit."
        ]
        if result.unbounded_variables:
            lines.append("These decisions can grow without limit:")
            lines += _described(result.unbounded_variables, form, _variable_text)
        else:
            unlimited = tuple(
                name
                for name, var in form.variables.items()
                if var.ub is None and var.type != "binary"
            )
            lines.append(
                "The solver did not name the runaway decisions; these have no upper bound of "
                "their own, so one of them (or a combination) can grow without limit:"
            )
            lines += _described(unlimited, form, _variable_text)
        lines.append(
            "In the problem's terms: the plan could make, buy or ship ever more and keep gaining. "
            "Real problems limit this: a capacity, a demand, a budget, or a cost the objective must "
            "count; or the objective's sense is wrong."
        )
        return "\n".join(lines), "unbounded"
    if not result.has_solution:
        detail = f": {result.message}" if result.message else ""
        return (
            f"The solver stopped ({result.termination.value}) without any plan{detail}.",
            "impossible to solve",
        )
    return None


def _described(
    labels: tuple[str, ...], form: Formulation, text: Callable[[Formulation, str], str]
) -> list[str]:
    lines = [f"- {label}{text(form, label.split('[', 1)[0])}" for label in labels[:_MAX_NAMES]]
    if len(labels) > _MAX_NAMES:
        lines.append(f"- ... and {len(labels) - _MAX_NAMES} more")
    return lines


def _variable_text(form: Formulation, name: str) -> str:
    var = form.variables.get(name)
    return f"  ({var.description})" if var is not None and var.description else ""


def _constraint_text(form: Formulation, name: str) -> str:
    con = form.constraints.get(name)
    if con is None:
        return ""
    about = f" ({con.description})" if con.description else ""
    return f"{about}: {con.expression}"


def parse_verdict(text: str) -> Verdict:
    """Read a verdict reply; a reply that is only a Formulation counts as a correction."""
    extraction = extract_document(text)
    doc = extraction.document
    if not isinstance(doc, dict):
        return Verdict("unreadable", error=extraction.error)
    if "verdict" not in doc:
        if "variables" in doc and "objective" in doc:
            return Verdict("wrong", formulation=doc, error="no verdict, only a Formulation")
        return Verdict("unreadable", error='the reply has no "verdict"')
    raw = doc.get("discrepancies") or ()
    items = [raw] if isinstance(raw, str | dict) else list(raw) if isinstance(raw, list) else []
    discrepancies = tuple(str(d) for d in items if str(d).strip())
    if str(doc["verdict"]).strip().lower() in _OK:
        return Verdict("ok", discrepancies)
    correction = doc.get("formulation")
    return Verdict("wrong", discrepancies, correction if isinstance(correction, dict) else None)


__all__ = ["Verdict", "parse_verdict", "status_verification_message", "verification_message"]
