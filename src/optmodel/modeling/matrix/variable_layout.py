"""Where the fast path puts each decision variable: its block of columns in the standard form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VariableLayout:
    """Columns ``offset .. offset + count`` hold a variable's keys, in the product order of ``sets``."""

    offset: int
    sets: tuple[str, ...]
    keys: Sequence[Any]
    indexed: bool
    product: bool  # keys are exactly the product of the sets (so codes locate columns)
    _columns: dict[Any, int] | None = None

    def column_of(self) -> dict[Any, int]:
        if self._columns is None:
            object.__setattr__(
                self,
                "_columns",
                dict(zip(self.keys, range(self.offset, self.offset + len(self.keys)), strict=True)),
            )
        assert self._columns is not None
        return self._columns
