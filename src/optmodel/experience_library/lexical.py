"""First-stage retrieval: a precomputed BM25 index over insight texts (no LLM, no extra dependency).

The index is built once per library revision; a query touches only the postings of its own terms, so a
problem against a 1,000-insight library costs well under a millisecond. The same postings give TF-IDF cosine
similarity between insights, which learning uses to spot near-duplicates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

_TOKEN = re.compile(r"[a-z][a-z0-9]*")
# Deliberately short: words such as "each", "least", "most", "exceed", "per", "than" are modeling cues.
_STOPWORDS = frozenset(  # a word list reads better than 66 quoted strings
    """a an the of and or to in on for is are be been was were it its this that these those with by as
    from into which what who whom how can could will would should may might must do does did has have had
    we you they he she i our your their there here then so such if also any all not only""".split()  # noqa: SIM905
)


@lru_cache(maxsize=1 << 16)  # vocabularies are small; stemming dominates index building
def _stem(word: str) -> str:
    # Light suffix stripping so "trucks"/"truck" and "produced"/"producing"/"produce" meet.
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case word stems, stopwords removed."""
    text = text.lower().replace("%", " percent ")  # "30%" is a strong cue for percentage insights
    return [_stem(w) for w in _TOKEN.findall(text) if w not in _STOPWORDS]


class LexicalIndex:
    """BM25 over ``(id, text)`` documents, plus TF-IDF cosine similarity between texts."""

    def __init__(self, documents: Iterable[tuple[str, str]], *, k1: float = 1.2, b: float = 0.75):
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError("BM25 needs k1 >= 0 and 0 <= b <= 1")
        self.ids: list[str] = []
        counts: list[Counter[str]] = []
        for doc_id, text in documents:
            self.ids.append(doc_id)
            counts.append(Counter(tokenize(text)))
        self._position = {doc_id: n for n, doc_id in enumerate(self.ids)}
        n_docs = len(self.ids)
        lengths = np.array([sum(c.values()) for c in counts], dtype=float)
        avg_length = float(lengths.mean()) if n_docs and lengths.sum() else 1.0
        document_frequency: Counter[str] = Counter()
        for c in counts:
            document_frequency.update(c.keys())
        self._idf = {
            term: math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            for term, df in document_frequency.items()
        }
        postings: dict[str, tuple[list[int], list[float], list[float]]] = {}
        norms = np.zeros(n_docs)
        for n, c in enumerate(counts):
            for term, tf in c.items():
                idf = self._idf[term]
                bm25 = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[n] / avg_length))
                tfidf = (1 + math.log(tf)) * idf
                norms[n] += tfidf * tfidf
                entry = postings.setdefault(term, ([], [], []))
                entry[0].append(n)
                entry[1].append(bm25)
                entry[2].append(tfidf)
        norms = np.sqrt(np.where(norms > 0, norms, 1.0))
        self._postings = {
            term: (
                np.array(docs, dtype=np.int64),
                np.array(bm25, dtype=float),
                np.array(tfidf, dtype=float) / norms[docs],
            )
            for term, (docs, bm25, tfidf) in postings.items()
        }

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (aligned with :attr:`ids`)."""
        scores = np.zeros(len(self.ids))
        for term in set(tokenize(query)):
            posting = self._postings.get(term)
            if posting is not None:
                scores[posting[0]] += posting[1]
        return scores

    def top(
        self, query: str, n: int, *, exclude: Sequence[str] = (), min_score: float = 0.0
    ) -> list[tuple[str, float]]:
        """The ``n`` best documents for ``query`` scoring above ``min_score``, best first."""
        return self._best(self.scores(query), n, exclude, min_score)

    def similar(
        self, text: str, n: int, *, exclude: Sequence[str] = (), min_score: float = 0.0
    ) -> list[tuple[str, float]]:
        """Documents most similar to ``text`` by TF-IDF cosine (0..1), best first."""
        weights = Counter(tokenize(text))
        query = {
            term: (1 + math.log(tf)) * self._idf[term]
            for term, tf in weights.items()
            if term in self._idf
        }
        norm = math.sqrt(sum(w * w for w in query.values())) or 1.0
        scores = np.zeros(len(self.ids))
        for term, weight in query.items():
            docs, _, tfidf = self._postings[term]
            scores[docs] += tfidf * (weight / norm)
        return self._best(scores, n, exclude, min_score)

    def _best(
        self, scores: np.ndarray, n: int, exclude: Sequence[str], min_score: float
    ) -> list[tuple[str, float]]:
        for doc_id in exclude:
            position = self._position.get(doc_id)
            if position is not None:
                scores[position] = -np.inf
        if n <= 0 or not len(scores):
            return []
        n = min(n, len(scores))
        candidates = np.argpartition(-scores, n - 1)[:n]
        ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in ordered if scores[i] > min_score]
