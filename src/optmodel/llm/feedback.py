"""Turning what went wrong with a model into precise feedback for the next LLM attempt."""

from __future__ import annotations

from dataclasses import dataclass

from optmodel.model_solver import ModelRun, Stage
from optmodel.modeling.language.issues import Issue, Severity


@dataclass(frozen=True)
class Feedback:
    """What the next prompt says: a one-line summary of the stage and the detailed points."""

    stage: str
    summary: str
    details: str


def extraction_feedback(error: str) -> Feedback:
    return Feedback(
        "extract",
        "Your reply could not be read as a Formulation.",
        f"- {error}\n- Answer with exactly one JSON object in a ```json fenced block.",
    )


def issues_feedback(issues: tuple[Issue, ...] | list[Issue]) -> Feedback:
    errors = [i for i in issues if i.severity is Severity.ERROR]
    lines = []
    for number, issue in enumerate(errors, 1):
        line = f"{number}. at {issue.path}: {issue.message} [{issue.code.value}]"
        if issue.hint:
            line += f"\n   hint: {issue.hint}"
        lines.append(line)
    return Feedback(
        "validate",
        f"Validation found {len(errors)} error(s) in the Formulation.",
        "\n".join(lines),
    )


#: How a model that is right about an infeasible or unbounded text says so: the formulator takes the same
#: model sent back after this feedback as that finding (see ``Formulator._advance``), instead of pressing for
#: a model that solves, which could only come from reading the text differently.
_INSIST = (
    'If {why}, send the same model back and say why in "assumptions": the answer is then that '
    "the problem is {finding}."
)


def run_feedback(run: ModelRun) -> Feedback | None:
    """Feedback for a model that validated; ``None`` when the run needs no repair."""
    if run.stage is Stage.VALIDATE:
        return issues_feedback(run.issues)
    if run.stage is Stage.COMPILE:
        return Feedback("compile", "The model could not be built.", f"- {run.error}")
    if run.stage is Stage.SOLVE:
        return Feedback("solve", "The solver could not solve the model.", f"- {run.error}")
    if run.stage is Stage.CHECK:
        return Feedback(
            "check",
            "The solver's answer violates the model's own constraints, so the model is numerically unsound.",
            f"- {run.error}\n- Check for huge or tiny coefficients and inconsistent units.",
        )
    result = run.result
    if result is None:
        return None
    if result.is_infeasible:
        conflict = (
            "These constraints cannot all hold together: " + ", ".join(result.conflicts) + "."
            if result.conflicts
            else "The solver did not isolate the conflicting constraints."
        )
        return Feedback(
            "infeasible",
            "The model is infeasible: no values satisfy all constraints.",
            f"- {conflict}\n- Re-read the problem: a direction (<= vs >=), a unit, a right-hand side or "
            "an integrality requirement is probably wrong. Do not change the problem's data.\n"
            f"- {_INSIST.format(finding='infeasible', why='the text itself, read as written, admits no plan')}",
        )
    if result.is_unbounded:
        runaway = (
            "These variables can grow without limit: "
            + ", ".join(result.unbounded_variables[:10])
            + "."
            if result.unbounded_variables
            else "Some variable can improve the objective without limit."
        )
        return Feedback(
            "unbounded",
            "The model is unbounded (or infeasible-or-unbounded): the objective can improve forever.",
            f"- {runaway}\n- A limiting constraint from the problem is missing, a sign is wrong, or the "
            "objective sense is wrong.\n"
            f"- {_INSIST.format(finding='unbounded', why='the text itself sets no such limit')}",
        )
    if not result.has_solution:
        return Feedback(
            "solve",
            f"The solver stopped ({result.termination.value}) without a solution.",
            f"- {result.message or 'no further detail'}",
        )
    return None


def render_feedback(feedback: Feedback, template: str) -> str:
    from string import Template

    return Template(template).safe_substitute(
        stage_summary=feedback.summary, feedback=feedback.details
    )
