"""A solution's values as the solution check reads them: keyed like the variable instances, numbers only,
and an evaluator in which each variable is its value. Part of :mod:`~optmodel.modeling.solution_check`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    as_key,
    is_number,
)
from optmodel.modeling.elaborate.variables import VariableInstances, missing_key_message
from optmodel.symbols import format_symbol

Values = Mapping[str, "float | Mapping[Hashable, float] | None"]


class ValueEvaluator(Evaluator):
    """Variables evaluate to the numbers of the solution being checked."""

    def __init__(
        self,
        data: ModelData,
        values: Mapping[str, dict[Key, float] | float | None],
        instances: Mapping[str, VariableInstances],
    ) -> None:
        super().__init__(data, instances)
        self.values = values
        self.instances = instances

    def variable(self, name: str, key: Key | None) -> Any:
        entry = self.values.get(name)
        inst = self.instances[name]
        if (key is None) == inst.indexed:
            message, hint = missing_key_message(inst, key)
            raise EvaluationError(message, hint, code="unknown-key")
        value = entry.get(key) if isinstance(entry, Mapping) else entry
        if value is None:
            if inst.indexed and key not in inst.key_set:
                message, hint = missing_key_message(inst, key)
                raise EvaluationError(message, hint, code="unknown-key")
            raise EvaluationError(
                f"no value for {format_symbol((name, key))}", code="missing-value"
            )
        return value

    def add_all(self, terms: Iterable[Any]) -> Any:
        return sum(terms)


def normalise_values(
    values: Values, instances: Mapping[str, VariableInstances]
) -> tuple[dict[str, dict[Key, float] | float | None], list[str]]:
    """Numbers keyed like the instances; lists become tuples and '3' finds member 3. Also the missing ones."""
    numbers: dict[str, dict[Key, float] | float | None] = {}
    missing: list[str] = []
    for name, inst in instances.items():
        entry = values.get(name)
        if not inst.indexed:
            numbers[name] = _number(entry)
            if numbers[name] is None:
                missing.append(name)
            continue
        given: dict[Key, float] = {}
        if isinstance(entry, Mapping):
            by_text: dict[str, Key] | None = None
            for raw_key, raw_value in entry.items():
                key = _key(raw_key)
                if key not in inst.key_set:
                    by_text = by_text or {_text_key(k): k for k in inst.keys}
                    key = by_text.get(_text_key(key), key)
                number = _number(raw_value)
                if number is not None:
                    given[key] = number
        numbers[name] = given
        missing += [format_symbol((name, k)) for k in inst.keys if k not in given]
    return numbers, missing


def _key(raw: Any) -> Key:
    if isinstance(raw, list | tuple):
        return as_key(tuple(_key(part) for part in raw))
    return raw


def _text_key(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ",".join(str(p) for p in parts)


def _number(value: Any) -> float | None:
    if is_number(value) and not math.isnan(value):
        return float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
