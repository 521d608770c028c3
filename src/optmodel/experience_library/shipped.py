"""The libraries shipped with optmodel as package data.

- ``starter/library.yaml``: general modeling practice written by the optmodel authors, each insight with a
  wrong/right example in the expression language.
- ``learned/library.yaml``: the starter insights plus insights *learned* by ``optmodel library learn`` from a
  real model's failures on public training problems, each verified by the solver on its source problem; its
  ``provenance`` mapping names the model, the training split, the date, the counts and the measured effect.
  It is opt-in (``--library learned``): on held-out problems it changed more answers from right to wrong than
  the other way, so the starter library stays the default until a learned one measures better.

The tool works with an empty library too.
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
ShippedName = Literal["starter", "learned"]
SHIPPED_NAMES: tuple[ShippedName, ...] = ("starter", "learned")
DEFAULT_SHIPPED: ShippedName = "starter"


def _resource_text(resource: str) -> str | None:
    path = resources.files("optmodel.experience_library").joinpath(resource)
    return path.read_text("utf-8") if path.is_file() else None


def starter_insights() -> list[Insight]:
    """The starter insights, validated (every example expression parses)."""
    text = _resource_text(STARTER_RESOURCE)
    assert text is not None, "the starter library is package data"
    return parse_library_text(text, "optmodel starter library")


def shipped_insights(which: ShippedName = DEFAULT_SHIPPED) -> list[Insight]:
    """The insights of a shipped library, validated."""
    if which == "starter":
        return starter_insights()
    text = _resource_text(LEARNED_RESOURCE)
    assert text is not None, "the learned library is package data"
    return parse_library_text(text, "optmodel learned library")


def shipped_provenance(which: ShippedName = "learned") -> dict[str, Any]:
    """Where a shipped library came from: model, training split, date and counts (empty for the starter)."""
    text = _resource_text(LEARNED_RESOURCE) if which == "learned" else None
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
    which: ShippedName = DEFAULT_SHIPPED,
    *,
    on_conflict: Literal["update", "skip", "error"] = "skip",
) -> ImportReport:
    """Add a shipped library's insights to ``store`` in one transaction (see :func:`load_starter_library`)."""
    source = f"optmodel {which} library"
    return import_insights(store, shipped_insights(which), source=source, on_conflict=on_conflict)
