"""Robust reading of LLM answers: JSON found anywhere in the text, ids named in prose, candidate insights.

LLMs wrap JSON in prose and code fences, add trailing commentary, or answer in words. These functions take
what can be taken and say (by returning None or a reason) when nothing usable was there.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .insight import Insight

_DECODER = json.JSONDecoder()
_NONE_ANSWER = re.compile(r"\b(none|no insights?|nothing)\b( of them)?( appl(y|ies))?", re.I)


def iter_json_values(text: str) -> Iterator[Any]:
    """Every top-level JSON object or array embedded in ``text``, in order of appearance."""
    position = 0
    while True:
        starts = [p for p in (text.find("{", position), text.find("[", position)) if p >= 0]
        if not starts:
            return
        start = min(starts)
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        yield value
        position = end


def parse_selected_ids(text: str, allowed: Sequence[str]) -> list[str] | None:
    """The insight ids an applicability answer selects, in the answer's order, limited to ``allowed``.

    Accepts a JSON list (``["a", "b"]``), an object holding one (``{"ids": [...]}``), or ids named in prose.
    Returns ``[]`` for an explicit "none", and None when the answer is unusable.
    """
    known = set(allowed)
    for value in iter_json_values(text):
        if isinstance(value, Mapping):
            lists = [v for v in value.values() if isinstance(v, list)]
            value = lists[0] if lists else None
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            ids = [str(v).strip() for v in value]
            chosen = list(dict.fromkeys(i for i in ids if i in known))
            if chosen or not ids:
                return chosen
            # Only ids we never offered: treat as unusable rather than as "none apply".
            return None
    found = []
    for insight_id in allowed:
        match = re.search(rf"(?<![\w-]){re.escape(insight_id)}(?![\w-])", text)
        if match:
            found.append((match.start(), insight_id))
    if found:
        return [insight_id for _, insight_id in sorted(found)]
    if _NONE_ANSWER.search(text):
        return []
    return None


NO_JSON_INSIGHT = "the answer holds no JSON insight"


def parse_candidate_insights(
    text: str, *, defaults: Mapping[str, Any] | None = None
) -> tuple[list[Insight], list[str]]:
    """Insights proposed in an LLM answer (``{"insights": [...]}``, a list, or one object).

    ``defaults`` fills fields the LLM is not asked for (provenance, id). Without an id in ``defaults`` the id
    is a hash of the content, so the same answer read again (a batch run replayed round after round) names
    the same insight. Returns the valid insights and one reason per rejected entry.
    """
    entries: list[Any] = []
    for value in iter_json_values(text):
        if isinstance(value, Mapping) and isinstance(value.get("insights"), list):
            entries = list(value["insights"])
        elif isinstance(value, list):
            entries = value
        elif isinstance(value, Mapping):
            entries = [value]
        break
    if not entries:
        return [], [NO_JSON_INSIGHT]
    valid: list[Insight] = []
    rejected: list[str] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            rejected.append(f"entry {number}: not an object")
            continue
        data = {k: v for k, v in entry.items() if k not in ("id", "stats", "version", "provenance")}
        data.update(defaults or {})
        content = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        data.setdefault("id", "ins-" + hashlib.sha1(content.encode()).hexdigest()[:10])
        try:
            valid.append(Insight.model_validate(data))
        except ValidationError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:4]
            )
            rejected.append(f"entry {number}: {fields}")
    return valid, rejected


AUDIT_KINDS = ("data_missing", "answer_doubtful")


@dataclass(frozen=True)
class AuditFlag:
    """A diagnosis that found no modeling mistake: the problem's data or known answer needs a person."""

    kind: str
    reason: str


def parse_audit_flag(text: str) -> AuditFlag | None:
    """The ``"audit"`` object of a diagnosis answer, or None when there is none or its kind is unknown."""
    for value in iter_json_values(text):
        audit = value.get("audit") if isinstance(value, Mapping) else None
        if isinstance(audit, Mapping) and audit.get("kind") in AUDIT_KINDS:
            reason = audit.get("reason")
            return AuditFlag(str(audit["kind"]), str(reason)[:1000] if reason else "")
        return None
    return None


def parse_condition_rewrites(text: str) -> list[tuple[str, str]]:
    """``(applies_when, does_not_apply_when)`` pairs from a rewrite answer; invalid ones are dropped."""
    rewrites: list[tuple[str, str]] = []
    for value in iter_json_values(text):
        items = value.get("rewrites", [value]) if isinstance(value, Mapping) else value
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, Mapping):
                continue
            applies = item.get("applies_when")
            not_applies = item.get("does_not_apply_when", "")
            if isinstance(applies, str) and applies.strip() and isinstance(not_applies, str):
                rewrites.append((applies.strip(), not_applies.strip()))
        if rewrites:
            break
    return list(dict.fromkeys(rewrites))
