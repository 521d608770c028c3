"""The libraries shipped with optmodel as package data.

- ``starter/library.yaml``: general modeling practice written by the optmodel authors, each insight with a
  wrong/right example in the expression language.
- ``learned/library.yaml`` (when present): the starter insights plus insights *learned* by ``optmodel library
  learn`` from a real model's failures on public training problems, each verified by the solver; its
  ``provenance`` mapping names the model, the training split, the date and the counts. This is the default
  library; the tool works with an empty library too.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import yaml

from .exchange import ImportReport, import_insights, parse_library_text
from .insight import Insight

if TYPE_CHECKING:
    from .store import InsightStore

STARTER_RESOURCE = "starter/library.yaml"
LEARNED_RESOURCE = "learned/library.yaml"
ShippedName = Literal["default", "starter"]


def _resource_text(resource: str) -> str | None:
    path = resources.files("optmodel.experience_library").joinpath(resource)
    return path.read_text("utf-8") if path.is_file() else None


def starter_insights() -> list[Insight]:
    """The starter insights, validated (every example expression parses)."""
    text = _resource_text(STARTER_RESOURCE)
    assert text is not None, "the starter library is package data"
    return parse_library_text(text, "optmodel starter library")


def shipped_insights(which: ShippedName = "default") -> list[Insight]:
    """The insights of a shipped library: ``default`` is the learned one when shipped, else the starter."""
    learned = _resource_text(LEARNED_RESOURCE) if which == "default" else None
    if learned is None:
        return starter_insights()
    return parse_library_text(learned, "optmodel learned library")


def shipped_provenance(which: ShippedName = "default") -> dict[str, Any]:
    """Where a shipped library came from: model, training split, date and counts (empty for the starter)."""
    text = _resource_text(LEARNED_RESOURCE) if which == "default" else None
    document = yaml.safe_load(text) if text else None
    provenance = document.get("provenance") if isinstance(document, dict) else None
    return dict(provenance) if isinstance(provenance, dict) else {}


def load_starter_library(
    store: InsightStore, *, on_conflict: Literal["update", "skip", "error"] = "skip"
) -> ImportReport:
    """Add the starter insights to ``store`` in one transaction.

    By default insights already present are skipped, so loading twice (or after editing a starter insight)
    changes nothing; ``on_conflict="update"`` brings them back to the shipped text as a new version.
    """
    return load_shipped_library(store, "starter", on_conflict=on_conflict)


def load_shipped_library(
    store: InsightStore,
    which: ShippedName = "default",
    *,
    on_conflict: Literal["update", "skip", "error"] = "skip",
) -> ImportReport:
    """Add a shipped library's insights to ``store`` in one transaction (see :func:`load_starter_library`)."""
    source = "optmodel starter library" if which == "starter" else "optmodel shipped library"
    return import_insights(store, shipped_insights(which), source=source, on_conflict=on_conflict)
