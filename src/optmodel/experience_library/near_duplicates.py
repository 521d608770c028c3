"""Near-duplicate problem texts, so an insight learned from a problem is never shown for a copy of it.

The public datasets share problems (NL4OPT inside OptiBench, MAMO variants, the same text with a typo fixed);
ids do not reveal that. Two texts are near-duplicates when their word 3-gram sets overlap by at least
``threshold`` (Jaccard). Numbers are words here on purpose: the same story with other data is a different
problem with a different answer, and showing an insight learned from it is not a leak.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

NEAR_DUPLICATE_THRESHOLD = 0.7
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


def shingles(text: str, width: int = 3) -> frozenset[tuple[str, ...]]:
    """The text's word ``width``-grams (lower case; punctuation and spacing ignored)."""
    words = _WORD.findall(text.lower())
    if len(words) < width:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[n : n + width]) for n in range(len(words) - width + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word 3-grams, in [0, 1].

    >>> similarity("Ship 5 crates from A to B.", "Ship 5 crates from A to B!")
    1.0
    >>> similarity("Ship 5 crates from A to B.", "Paint 40 fences blue.")
    0.0
    """
    return _jaccard(shingles(a), shingles(b))


def near_duplicates(
    text: str, others: Mapping[str, str], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> set[str]:
    """The keys of ``others`` whose text is a near-duplicate of ``text``."""
    mine = shingles(text)
    return {key for key, other in others.items() if _jaccard(mine, shingles(other)) >= threshold}


def _jaccard(left: frozenset[tuple[str, ...]], right: frozenset[tuple[str, ...]]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
