"""Each element's concrete instances, expanded once per resolved model and then read by every stage.

The Pyomo compiler, the matrix fast path, the solution check and validation's big-M check all need an
element's instances (a variable's keys and bounds, a constraint's bindings). They ask
:func:`~optmodel.modeling.elaborate.variables.variable_instances` (and its siblings), which keep the result
here, on the resolved :class:`~optmodel.modeling.elaborate.model_data.ModelData`: the first stage that
needs an element expands it, the others read the same immutable record. An element no stage asks for (a
constraint on the matrix fast path, which binds its domain over index arrays) is never expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Expansions:
    """Expanded instances by element; the key holds the element's whole definition, so an edited
    definition is expanded again, and an expansion that raises is not remembered."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str], tuple[str, Any]] = {}

    def once(self, kind: str, name: str, definition: str, expand: Callable[[], T]) -> T:
        """The instances of element ``name`` of ``kind`` as ``definition`` states them: ``expand()`` the
        first time, the same object after that."""
        found = self._done.get((kind, name))
        if found is not None and found[0] == definition:
            result: T = found[1]
            return result
        result = expand()
        self._done[(kind, name)] = (definition, result)
        return result

    def __len__(self) -> int:
        return len(self._done)
