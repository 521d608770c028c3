"""The prompts the library sends through an injected Completer, and how insights are shown to the formulator.

Each prompt opens with a distinctive first sentence (``APPLICABILITY_HEADER`` etc.) so logs, caches and
scripted test completers can tell the kinds apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .insight import Insight
from .protocols import AttemptOutcome, Problem

APPLICABILITY_HEADER = "You are checking which modeling insights apply to an optimization problem."
DIAGNOSIS_HEADER = "You are an optimization-modeling expert reviewing a failed formulation attempt."
MERGE_HEADER = (
    "You are curating a library of optimization-modeling insights; merge overlapping ones."
)
REWRITE_HEADER = "You are improving WHEN a modeling insight should be used."
TAXONOMY_HEADER = "You are classifying an optimization problem by the modeling topics it involves."

_INSIGHT_SHAPE = """{"insights": [{
  "title": "short name of the practice",
  "taxonomy": {"track": "domain-modeling | general-formulation | data-and-units",
               "level1": "broad label, e.g. linking-constraints", "level2": "narrow label"},
  "applies_when": "the kind of problem (wording, structure) where this applies, in general terms",
  "does_not_apply_when": "situations where following it would be wrong",
  "keywords": ["words in problem texts that signal it"],
  "explanation": {"practice": "what to do", "mistake": "the common mistake", "why": "why it is wrong"},
  "example": {"wrong": ["x[i] <= cap[i]"], "right": ["x[i] <= cap[i] * open[i]"],
              "note": "what the symbols mean; declaration changes such as 'x integer'"}
}]}"""

_AUDIT_SHAPE = (
    '{"insights": [], "audit": {"kind": "data_missing | answer_doubtful", '
    '"reason": "what is missing, or why no reading of the text gives the known answer"}}'
)

_EXPRESSION_LANGUAGE = (
    "Examples are written in the formulation expression language (Python-like, never code): "
    "indexed names x[i, j], + - * / **, sum(c[i] * x[i] for i in I if cond), comparisons <= >= ==, "
    "conditional values (s[t - 1] if t > 1 else s0), min/max/abs. Each 'wrong' and 'right' entry is ONE "
    "expression or constraint exactly as a formulation's \"expression\" field holds it: no 'for i in I' "
    'clause after it (a constraint family\'s index sets go in its "forall"; name them in the note), no '
    "prose, no 'NAME = ...' definitions. Variable types are declared separately, so say 'x integer' in the "
    "note. When the lesson is about reading the data, show the constraint or sum that the reading changes."
)


def _problem_block(problem: Problem, limit: int = 6000) -> str:
    text = problem.text if len(problem.text) <= limit else problem.text[:limit] + " [...]"
    return f"<<<\n{text}\n>>>"


def _excerpt(problem: Problem, limit: int = 600) -> str:
    text = " ".join(problem.text.split())
    return text if len(text) <= limit else text[:limit] + " [...]"


def format_for_prompt(insights: Sequence[Insight]) -> str:
    """The insights as the formulation prompt shows them: conditions, explanation, wrong/right example."""
    if not insights:
        return ""
    blocks = [
        "Modeling insights learned from earlier problems (follow each only where it applies):"
    ]
    for n, insight in enumerate(insights, start=1):
        lines = [
            f"{n}. {insight.title} [{insight.taxonomy}]",
            f"   Applies when: {insight.applies_when}",
        ]
        if insight.does_not_apply_when:
            lines.append(f"   Does NOT apply when: {insight.does_not_apply_when}")
        lines += [
            f"   Practice: {insight.explanation.practice}",
            f"   Common mistake: {insight.explanation.mistake}",
            f"   Why: {insight.explanation.why}",
            "   Wrong: " + " ; ".join(f"`{e}`" for e in insight.example.wrong),
            "   Right: " + " ; ".join(f"`{e}`" for e in insight.example.right),
        ]
        if insight.example.note:
            lines.append(f"   Note: {insight.example.note}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def applicability_prompt(problem: Problem, candidates: Sequence[Insight], k: int) -> str:
    """Ask which shortlisted insights apply, honouring each "does NOT apply when" clause."""
    listing = []
    for insight in candidates:
        entry = f"[{insight.id}] {insight.title}\n  Applies when: {insight.applies_when}"
        if insight.does_not_apply_when:
            entry += f"\n  Does NOT apply when: {insight.does_not_apply_when}"
        listing.append(entry)
    return (
        f"{APPLICABILITY_HEADER}\n\nProblem:\n{_problem_block(problem)}\n\n"
        "Candidate insights:\n" + "\n".join(listing) + "\n\n"
        "An insight applies only if its 'Applies when' condition holds for this problem AND none of its "
        f"'Does NOT apply when' conditions hold. Choose at most {k}, most useful first. Answer with a "
        'JSON list of the ids that apply, e.g. ["id-1", "id-2"], or [] if none apply. '
        "Answer with the JSON list only."
    )


def taxonomy_prompt(problem: Problem, labels: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Ask which level-1 taxonomy labels (with their level-2 labels as hints) the problem involves."""
    listing = [f"- {label}" + (f" (e.g. {', '.join(sub)})" if sub else "") for label, sub in labels]
    return (
        f"{TAXONOMY_HEADER}\n\nProblem:\n{_problem_block(problem)}\n\n"
        "Topics of the insight library (track / level-1 label, with level-2 examples):\n"
        + "\n".join(listing)
        + "\n\nChoose every topic a careful modeler would have to get right for THIS problem. Answer with "
        'a JSON list of the chosen labels exactly as written before the parentheses, e.g. ["a / b"], '
        "or [] if none fits. Answer with the JSON list only."
    )


def diagnosis_prompt(
    problem: Problem,
    outcome: AttemptOutcome,
    used: Sequence[Insight],
    max_insights: int,
) -> str:
    """Ask for reusable insights that explain a verified failure (never data invented to hit the answer)."""
    if problem.answer_status == "optimal":
        known = f"the optimal objective value is {problem.answer:g}"
    else:
        known = f"the problem is {problem.answer_status}"
    used_text = ", ".join(f"{i.title} ({i.id})" for i in used) or "none"
    formulation = outcome.formulation_json or "(no formulation was produced)"
    return (
        f"{DIAGNOSIS_HEADER}\n\nProblem:\n{_problem_block(problem)}\n\n"
        f"Known correct answer: {known}.\n"
        f"The attempt's result: status {outcome.status}, objective {outcome.objective}.\n"
        f"Solver and validator feedback:\n{outcome.feedback.strip() or '(none)'}\n\n"
        f"Insights the attempt was given: {used_text}\n\n"
        f"The attempt's formulation (JSON):\n{formulation}\n\n"
        "Find the modeling mistake that makes the attempt's answer differ from the known answer. "
        "Do not invent or change any data to hit the number: the known answer is only a check, and the "
        "fix must be a modeling principle that holds for the problem exactly as written. "
        f"Propose up to {max_insights} reusable modeling insight(s): advice that prevents this kind of "
        "mistake on other problems, stated in general terms, not a fix naming this problem's numbers or "
        f"items. {_EXPRESSION_LANGUAGE}\n\nAnswer with JSON only, in this form:\n{_INSIGHT_SHAPE}\n\n"
        "If no modeling mistake explains the difference - the text lacks data the known answer needs, or "
        "no reasonable reading of the text as written reaches the known answer - propose no insight (one "
        "learned to reach a doubtful answer would teach the wrong thing) and flag the problem for a person "
        f"to audit instead, in this form:\n{_AUDIT_SHAPE}"
    )


def correction_prompt(prompt: str, answer: str, problems: Sequence[str]) -> str:
    """Ask again after every proposed insight was rejected, with the reasons (one turn, like a repair)."""
    reasons = "\n".join(f"- {p}" for p in problems)
    return (
        f"{prompt}\n\nYour previous answer was:\n<<<\n{answer.strip()}\n>>>\n\n"
        f"None of its insights could be used:\n{reasons}\n\n"
        "Answer again with the same insights, corrected. Answer with JSON only."
    )


def _insight_json(insight: Insight) -> str:
    data = insight.model_dump(
        mode="json",
        include={"title", "taxonomy", "applies_when", "does_not_apply_when", "keywords"}
        | {"explanation", "example"},
    )
    return json.dumps(data, indent=1, ensure_ascii=False)


def merge_prompt(insights: Sequence[Insight]) -> str:
    """Ask for one insight that replaces several overlapping ones."""
    listing = "\n\n".join(f"Insight {i.id}:\n{_insight_json(i)}" for i in insights)
    return (
        f"{MERGE_HEADER}\n\nThese insights overlap:\n\n{listing}\n\n"
        "Write ONE insight that keeps everything correct and useful from all of them: an 'applies_when' "
        "that covers the cases of each, every 'does_not_apply_when' case, one clear explanation and one "
        f"wrong/right example. {_EXPRESSION_LANGUAGE}\n\n"
        f"Answer with JSON only, in this form (exactly one insight):\n{_INSIGHT_SHAPE}"
    )


def rewrite_prompt(
    insight: Insight,
    *,
    kept: Sequence[Problem],
    blocked: Sequence[Problem],
    recovered: Sequence[Problem],
    n: int,
) -> str:
    """Ask for ``n`` alternative applicability conditions, given where the insight helped and hurt."""

    def section(title: str, problems: Sequence[Problem]) -> str:
        if not problems:
            return ""
        items = "\n".join(f"- {_excerpt(p)}" for p in problems[:4])
        return f"\n{title}\n{items}\n"

    return (
        f"{REWRITE_HEADER}\n\nInsight {insight.id}:\n{_insight_json(insight)}\n"
        + section("It was used and the answer was right on (keep these matched):", kept)
        + section(
            "It was used and hurt — the answer was right without it (exclude these):", blocked
        )
        + section("It was not used but would have fixed (include these):", recovered)
        + f"\nWrite {n} alternative versions of 'applies_when' and 'does_not_apply_when'. Describe kinds of "
        "problems in general terms (structure, wording), never specific numbers or names.\n\n"
        'Answer with JSON only: {"rewrites": [{"applies_when": "...", "does_not_apply_when": "..."}]}'
    )
