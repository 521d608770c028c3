"""The experience library: solver-verified modeling insights learned from failures, refined over time,
retrieved for new problems (after AlphaOPT, arXiv 2510.18428).

Everything that needs an LLM or the formulator is passed in as a batched callable (see
:mod:`~optmodel.experience_library.protocols`); this package never imports the layers above it.

>>> from optmodel.experience_library import InsightStore, load_starter_library, retrieve, Problem
>>> store = InsightStore(":memory:")
>>> _ = load_starter_library(store)
>>> [r.insights[0].id for r in retrieve(store, [Problem("p1", "How many trucks are needed?")], k=1)]
['starter-integer-countables']
"""

from .exchange import ImportReport, export_library, import_library, read_library_file
from .insight import (
    TRACKS,
    Explanation,
    Insight,
    InsightExample,
    InsightStats,
    LibraryStats,
    Provenance,
    Taxonomy,
)
from .learning import LearnReport, learn
from .lexical import LexicalIndex
from .logbook import RetrievalRecord
from .merging import MergeReport, merge_near_duplicates
from .migrations import MIGRATIONS, apply_migrations
from .prompts import format_for_prompt
from .protocols import AttemptOutcome, Completer, Embedder, FormulateAttempt, Problem, VerifyTask
from .refinement import Evidence, RefinementResult, RefineReport, refine
from .retrieval import Retrieval, Retriever, check_applicability, retrieve
from .shipped import (
    load_shipped_library,
    load_starter_library,
    shipped_insights,
    shipped_provenance,
    starter_insights,
)
from .store import InsightStore, InsightVersion, SearchHit, default_library_path

__all__ = [
    "MIGRATIONS",
    "TRACKS",
    "AttemptOutcome",
    "Completer",
    "Embedder",
    "Evidence",
    "Explanation",
    "FormulateAttempt",
    "ImportReport",
    "Insight",
    "InsightExample",
    "InsightStats",
    "InsightStore",
    "InsightVersion",
    "LearnReport",
    "LexicalIndex",
    "LibraryStats",
    "MergeReport",
    "Problem",
    "Provenance",
    "RefineReport",
    "RefinementResult",
    "Retrieval",
    "RetrievalRecord",
    "Retriever",
    "SearchHit",
    "Taxonomy",
    "VerifyTask",
    "apply_migrations",
    "check_applicability",
    "default_library_path",
    "export_library",
    "format_for_prompt",
    "import_library",
    "learn",
    "load_shipped_library",
    "load_starter_library",
    "merge_near_duplicates",
    "read_library_file",
    "refine",
    "retrieve",
    "shipped_insights",
    "shipped_provenance",
    "starter_insights",
]
