"""Export a library to YAML/JSON for people to review, edit and share; import it back, all or nothing.

An import is validated completely before anything is written: every bad entry is reported (entry number,
id and field), and a file with any problem changes nothing. The valid file is then applied in one
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import ValidationError

from optmodel.atomic_files import write_atomically
from optmodel.errors import LibraryError

from .insight import Insight, utc_now

if TYPE_CHECKING:
    from .store import InsightStore

FORMAT_NAME = "optmodel-experience-library"
FORMAT_VERSION = 1


@dataclass
class ImportReport:
    """What an import did, by insight id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def validate_insight(data: Mapping[str, Any], where: str) -> Insight:
    """Validate one insight dict; LibraryError naming ``where`` and each bad field otherwise."""
    try:
        return Insight.model_validate(dict(data))
    except ValidationError as exc:
        problems = [
            f"{where}: field '{'.'.join(str(p) for p in err['loc']) or '(entry)'}': {err['msg']}"
            for err in exc.errors()
        ]
        raise LibraryError("\n".join(problems)) from None


def library_document(
    insights: list[Insight], provenance: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The exported form of a list of insights; ``provenance`` says where the library came from."""
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": utc_now(),
    }
    if provenance:
        document["provenance"] = dict(provenance)
    document["insights"] = [i.model_dump(mode="json") for i in insights]
    return document


def export_library(
    store: InsightStore,
    path: str | Path,
    *,
    include_retired: bool = False,
    provenance: Mapping[str, Any] | None = None,
) -> int:
    """Write the store's insights to ``path`` (YAML unless the suffix is .json); returns how many."""
    path = Path(path)
    insights = store.insights(include_retired=include_retired)
    document = library_document(insights, provenance)
    if path.suffix.lower() == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    write_atomically(path, text)  # readers of the export never see it empty or half-written
    return len(insights)


def parse_library_text(text: str, source: str) -> list[Insight]:
    """Parse and validate a library document; LibraryError listing every problem otherwise."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise LibraryError(
            f"{source}: not valid YAML/JSON{where}: {reason}; nothing was imported"
        ) from None
    if isinstance(document, Mapping):
        if document.get("format", FORMAT_NAME) != FORMAT_NAME:
            raise LibraryError(
                f"{source}: 'format' is {document.get('format')!r}, expected {FORMAT_NAME!r}"
            )
        version = document.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise LibraryError(
                f"{source}: format_version {version!r} is not supported (this optmodel reads "
                f"up to {FORMAT_VERSION}); upgrade optmodel"
            )
        entries = document.get("insights")
    else:
        entries = document
    if not isinstance(entries, list):
        raise LibraryError(
            f"{source}: expected a list of insights (or a mapping with an 'insights' list), "
            f"got {type(entries).__name__}; nothing was imported"
        )
    insights: list[Insight] = []
    problems: list[str] = []
    seen: set[str] = set()
    bad: set[int] = set()
    for number, entry in enumerate(entries, start=1):
        label = f"entry {number}"
        if not isinstance(entry, Mapping):
            problems.append(f"{label}: expected a mapping of insight fields, got {entry!r:.60}")
            bad.add(number)
            continue
        if isinstance(entry.get("id"), str):
            label += f" (id {entry['id']!r})"
        try:
            insight = validate_insight(entry, label)
        except LibraryError as exc:
            problems += str(exc).splitlines()
            bad.add(number)
            continue
        if insight.id in seen:
            problems.append(f"{label}: the id appears more than once in the file")
            bad.add(number)
        seen.add(insight.id)
        insights.append(insight)
    if problems:
        raise LibraryError(
            f"{source}: {len(bad)} invalid entr{'y' if len(bad) == 1 else 'ies'}; "
            "nothing was imported:\n  " + "\n  ".join(problems)
        )
    return insights


def read_library_file(path: str | Path) -> list[Insight]:
    """Read and validate a YAML/JSON library file without touching any store."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"cannot read library file {path}: {exc}") from None
    return parse_library_text(text, str(path))


def import_insights(
    store: InsightStore,
    insights: list[Insight],
    *,
    source: str,
    on_conflict: Literal["update", "skip", "error"] = "update",
) -> ImportReport:
    """Apply validated insights in one transaction: new ids are added, known ones handled by
    ``on_conflict`` (``update`` writes a new version when the content differs)."""
    report = ImportReport()
    with store.transaction():
        for insight in insights:
            current = store.find(insight.id)
            if current is None:
                store.add(insight, reason=f"imported from {source}")
                report.added.append(insight.id)
            elif on_conflict == "error":
                raise LibraryError(
                    f"{source}: insight {insight.id!r} already exists in {store.path}; "
                    "nothing was imported (use on_conflict='update' or 'skip')"
                )
            elif on_conflict == "skip":
                report.skipped.append(insight.id)
            elif current.content() == insight.content():
                report.unchanged.append(insight.id)
            else:
                store.update(
                    insight.model_copy(update={"version": current.version}),
                    reason=f"imported from {source}",
                )
                report.updated.append(insight.id)
    return report


def import_library(
    store: InsightStore,
    path: str | Path,
    *,
    on_conflict: Literal["update", "skip", "error"] = "update",
) -> ImportReport:
    """Validate a YAML/JSON library file completely, then apply it in one transaction.

    A corrupted or schema-invalid file raises LibraryError naming each bad entry and field; the store is
    left exactly as it was.
    """
    if on_conflict not in ("update", "skip", "error"):
        raise ValueError("on_conflict must be 'update', 'skip' or 'error'")
    insights = read_library_file(path)
    return import_insights(store, insights, source=Path(path).name, on_conflict=on_conflict)
