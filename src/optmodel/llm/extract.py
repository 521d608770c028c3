"""Finding the Formulation document in an LLM's reply: fenced blocks, leading prose, trailing commentary."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from optmodel.modeling.language.document_limits import DocumentTooLarge, load_json, load_yaml

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Extraction:
    """The decoded document, or why none was found."""

    document: Any | None
    error: str = ""


def extract_document(text: str) -> Extraction:
    """Return the most plausible model document in ``text``.

    Candidates, best first: fenced ``json``/``yaml`` blocks (the last complete one wins, since models tend to
    correct themselves), then the largest balanced ``{...}`` object in the text, then the whole text as YAML.
    """
    if not text or not text.strip():
        return Extraction(None, "the reply was empty; answer with the model as one JSON object")
    errors: list[str] = []
    fenced = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    for lang, body in reversed(fenced):
        doc = _decode(body, allow_yaml=lang in ("yaml", "yml"), errors=errors)
        if isinstance(doc, dict):
            return Extraction(doc)
    for candidate in sorted(_balanced_objects(text), key=len, reverse=True):
        doc = _decode(candidate, allow_yaml=False, errors=errors)
        if isinstance(doc, dict):
            return Extraction(doc)
    if not fenced and "{" not in text:
        doc = _decode(text, allow_yaml=True, errors=errors)
        if isinstance(doc, dict) and "variables" in doc:
            return Extraction(doc)
    detail = errors[-1] if errors else "no JSON object was found"
    return Extraction(None, f"could not read a model from the reply: {detail}")


def _decode(body: str, *, allow_yaml: bool, errors: list[str]) -> Any:
    try:
        return load_json(body)
    except DocumentTooLarge as exc:
        errors.append(str(exc))
        return None
    except json.JSONDecodeError as exc:
        repaired = _strip_trailing_commas(body)
        if repaired != body:
            try:
                return load_json(repaired)
            except json.JSONDecodeError:
                pass
        errors.append(f"invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    if allow_yaml:
        try:
            return load_yaml(body)
        except (yaml.YAMLError, DocumentTooLarge) as exc:
            errors.append(f"invalid YAML ({exc})")
    return None


def _strip_trailing_commas(body: str) -> str:
    return re.sub(r",(\s*[}\]])", r"\1", body)


def _balanced_objects(text: str) -> list[str]:
    """Top-level ``{...}`` spans, respecting JSON strings (braces inside strings do not count)."""
    spans: list[str] = []
    depth = 0
    start = -1
    in_string = False
    escaped = False
    for pos, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"' and depth > 0:
            in_string = True
        elif char == "{":
            if depth == 0:
                start = pos
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : pos + 1])
    return spans
