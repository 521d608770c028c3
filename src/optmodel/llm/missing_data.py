"""A model's answer that the problem cannot be formulated because the text lacks data that decides it.

The system prompt tells the model never to invent data silently. Where a value can reasonably stand in for
what is missing, the model lists the gap in the Formulation's ``missing_data`` and states the value in its
``assumptions``: the answer is solved and reported as resting on them. Where none can, the reply
``{"missing_data": ["route costs between the hospitals", ...]}`` ends the conversation with that list: an
error the user can act on, and no repair turn asks the model to invent the values.
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
