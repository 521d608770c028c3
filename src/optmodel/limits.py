"""How much work and how large numbers one model may ask for: the limits every input is held to.

Defaults are sized for a machine with 24 GiB of memory and a build of a few minutes; a model past them is
refused with an issue naming what is too large, before anything is built. Change them for one block of
code with :func:`use_limits`, or for a whole process with ``OPTMODEL_LIMITS``
(``"max_terms=2e7,max_magnitude=1e12"``).

>>> from optmodel.limits import Limits, current_limits, use_limits
>>> current_limits().max_magnitude
1000000000000000.0
>>> with use_limits(Limits(max_magnitude=1e6)):
...     current_limits().max_magnitude
1000000.0
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Largest sizes and magnitudes accepted; every field is a hard limit checked before building."""

    #: Largest absolute value of a coefficient, bound, right-hand side or data value.
    max_magnitude: float = 1e15
    #: Members of one set (a range, a list, or a ``from`` product before its filter).
    max_set_members: int = 1_000_000
    #: Entries of one parameter table over the product of its index sets.
    max_table_entries: int = 10_000_000
    #: Instances of one indexed variable or constraint family.
    max_instances: int = 5_000_000
    #: Terms built over the whole model: every sum's terms, in every constraint instance.
    max_terms: int = 5_000_000
    #: Nesting of JSON/YAML documents and of expressions.
    max_nesting: int = 100
    #: YAML aliases (``*name``) in one document; each may copy a whole subtree.
    max_yaml_aliases: int = 100
    #: Bytes of a model file or document.
    max_document_bytes: int = 512 * 1024 * 1024

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            if not getattr(self, item.name) > 0:
                raise ValueError(
                    f"limit {item.name} must be positive, got {getattr(self, item.name)}"
                )

    @classmethod
    def from_text(cls, text: str) -> Limits:
        """Limits from ``"name=value,name=value"`` (numbers may be written ``1e7``)."""
        fields = {item.name: item.type for item in dataclasses.fields(cls)}
        values: dict[str, float | int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, raw = part.partition("=")
            name = name.strip()
            if name not in fields:
                raise ValueError(
                    f"unknown limit '{name}' in OPTMODEL_LIMITS; known: {', '.join(fields)}"
                )
            try:
                number = float(raw)
            except ValueError:
                raise ValueError(f"limit {name} must be a number, got {raw.strip()!r}") from None
            values[name] = number if fields[name] == "float" else int(number)
        return cls(**values)  # type: ignore[arg-type]


_ACTIVE: ContextVar[Limits | None] = ContextVar("optmodel_limits", default=None)


def current_limits() -> Limits:
    """The limits in force: :func:`use_limits`, else ``OPTMODEL_LIMITS``, else the defaults."""
    active = _ACTIVE.get()
    if active is not None:
        return active
    return _from_environment(os.environ.get("OPTMODEL_LIMITS", ""))


@functools.lru_cache(maxsize=8)
def _from_environment(text: str) -> Limits:
    # Asked once per constraint row by the checks; Limits is frozen, so one parse per text serves all.
    return Limits.from_text(text)


@contextmanager
def use_limits(limits: Limits) -> Iterator[Limits]:
    """Hold every model read, validated or compiled inside the block to ``limits``."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)
