"""The curated starter library shipped with optmodel (package data ``starter/library.yaml``).

The tool works with an empty library too; the starter insights are general modeling practice written by
the optmodel authors, each with a wrong/right example in the expression language.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Literal

from .exchange import ImportReport, import_insights, parse_library_text
from .insight import Insight

if TYPE_CHECKING:
    from .store import InsightStore

STARTER_RESOURCE = "starter/library.yaml"


def starter_insights() -> list[Insight]:
    """The starter insights, validated (every example expression parses)."""
    text = (
        resources.files("optmodel.experience_library").joinpath(STARTER_RESOURCE).read_text("utf-8")
    )
    return parse_library_text(text, "optmodel starter library")


def load_starter_library(
    store: InsightStore, *, on_conflict: Literal["update", "skip", "error"] = "skip"
) -> ImportReport:
    """Add the starter insights to ``store`` in one transaction.

    By default insights already present are skipped, so loading twice (or after editing a starter insight)
    changes nothing; ``on_conflict="update"`` brings them back to the shipped text as a new version.
    """
    return import_insights(
        store, starter_insights(), source="optmodel starter library", on_conflict=on_conflict
    )
