"""A model's answer that the problem cannot be formulated because the text lacks data that decides it.

The system prompt tells the model never to invent data. Without a way to say "this is missing", a careful
model could only guess, and the repair loop kept asking it for values that do not exist. The answer
``{"missing_data": ["route costs between the hospitals", ...]}`` ends the conversation with that list
instead: an error the user can act on, never an invented answer.
"""

from __future__ import annotations

from typing import Any

MISSING_DATA_KEY = "missing_data"
MAX_ITEMS = 20
MAX_ITEM_CHARS = 300


def missing_data(document: Any) -> tuple[str, ...] | None:
    """The missing items when ``document`` is exactly a missing-data answer, else None.

    Only a document whose one key is ``missing_data`` counts, with a non-empty string or list of strings:
    a Formulation that also carries the key is validated as a Formulation (and gets an issue for it).
    """
    if not isinstance(document, dict) or set(document) != {MISSING_DATA_KEY}:
        return None
    items = document[MISSING_DATA_KEY]
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return None
    texts = [" ".join(str(item).split())[:MAX_ITEM_CHARS] for item in items[:MAX_ITEMS]]
    kept = tuple(text for text in texts if text)
    return kept or None


__all__ = ["MISSING_DATA_KEY", "missing_data"]
