"""The verification turn: a solved model's plan is shown to the LLM, which checks it against the text.

The reply is a small verdict: ``ok``, or the concrete discrepancies with the text and a corrected
Formulation (which then goes through the usual validate -> compile -> solve path).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import Any, Literal

from optmodel.llm.extract import extract_document
from optmodel.llm.prompting import load_prompt

_OK = {"ok", "correct", "right", "valid", "pass", "passed", "verified"}


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


__all__ = ["Verdict", "parse_verdict", "verification_message"]
