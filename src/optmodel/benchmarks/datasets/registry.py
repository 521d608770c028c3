"""The dataset registry: declarative, versioned entries read from package data (``registry/datasets.yaml``).

Each entry pins where a benchmark comes from (repository, full commit SHA, paths), which converter
turns the source into normalized JSONL, the checksums of the result, its size, its fields and its
licence, so a benchmark number can always be traced to exact data.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, cast

import yaml

from optmodel.benchmarks.datasets.problem import ProblemKind
from optmodel.errors import DatasetError

_KINDS = ("LP", "MILP", "NLP", "LINEAR", "UNKNOWN")


@dataclass(frozen=True)
class SourceRef:
    """Where the upstream files live: ``https://raw.githubusercontent.com/<repo>/<commit>/<path>``."""

    repo: str
    commit: str
    paths: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.commit) != 40 or any(c not in "0123456789abcdef" for c in self.commit):
            raise ValueError(
                f"{self.repo}: commit must be a full 40-character SHA, got {self.commit!r}"
            )


@dataclass(frozen=True)
class DatasetSpec:
    """One registry entry. ``options`` are converter settings (id prefix, item lists, overrides)."""

    name: str
    version: int
    description: str
    family: str
    split: str
    source: SourceRef
    format: str
    file: str
    sha256: str
    count: int
    answer_status: Mapping[str, int] = field(hash=False)
    fields: tuple[str, ...]
    content_fields: tuple[str, ...]
    content_sha256: str
    licence: str
    licence_warning: str | None
    default_kind: ProblemKind | None
    #: ``exact``: a fetch rebuilds the published file byte for byte; ``content``: only ``content_fields``.
    fetch_reproduces: str
    fetch_note: str
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def fetch_command(self) -> str:
        """The CLI command that downloads this dataset."""
        return f"optmodel datasets fetch {self.name}"


def dataset_names() -> list[str]:
    """Registered dataset names, in registry order (main benchmarks first, then variants)."""
    return list(_registry())


def get_spec(name: str) -> DatasetSpec:
    """The registry entry for ``name``; raises :class:`DatasetError` listing valid names if unknown."""
    spec = _registry().get(name)
    if spec is None:
        raise DatasetError(
            f"unknown dataset {name!r}; registered datasets: {', '.join(_registry())}"
        )
    return spec


def find_spec(name: str) -> DatasetSpec | None:
    """The registry entry for ``name``, or None."""
    return _registry().get(name)


@functools.lru_cache(maxsize=1)
def _registry() -> Mapping[str, DatasetSpec]:
    text = (
        resources.files("optmodel.benchmarks").joinpath("registry/datasets.yaml").read_text("utf-8")
    )
    document = yaml.safe_load(text)
    specs: dict[str, DatasetSpec] = {}
    for entry in document["datasets"]:
        spec = _parse_entry(entry)
        if spec.name in specs:
            raise DatasetError(f"registry lists dataset {spec.name!r} twice")
        specs[spec.name] = spec
    return MappingProxyType(specs)


def _parse_entry(entry: Mapping[str, Any]) -> DatasetSpec:
    name = str(entry["name"])
    try:
        source = entry["source"]
        default_kind = entry.get("default_kind")
        if default_kind is not None and default_kind not in _KINDS:
            raise ValueError(f"default_kind must be one of {_KINDS}")
        licence = entry["licence"]
        return DatasetSpec(
            name=name,
            version=int(entry["version"]),
            description=str(entry["description"]).strip(),
            family=str(entry["family"]),
            split=str(entry["split"]),
            source=SourceRef(
                repo=str(source["repo"]), commit=str(source["commit"]), paths=tuple(source["paths"])
            ),
            format=str(entry["format"]),
            file=str(entry["file"]),
            sha256=str(entry["sha256"]),
            count=int(entry["count"]),
            answer_status=MappingProxyType(dict(entry["answer_status"])),
            fields=tuple(entry["fields"]),
            content_fields=tuple(entry["content_fields"]),
            content_sha256=str(entry["content_sha256"]),
            licence=str(licence["text"]).strip(),
            licence_warning=(str(licence["warning"]).strip() if licence.get("warning") else None),
            default_kind=cast("ProblemKind | None", default_kind),
            fetch_reproduces=_one_of(entry["fetch_reproduces"], ("exact", "content")),
            fetch_note=str(entry["fetch_note"]).strip(),
            options=MappingProxyType(dict(entry.get("options") or {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetError(f"registry entry {name!r} is malformed: {exc}") from exc


def _one_of(value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {allowed}")
    return str(value)
