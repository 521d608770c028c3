"""Symbolic values for validation: sums of decision-variable terms with known coefficients.

Only the signs of coefficients matter to validation, so anything non-linear becomes an *opaque*
value whose variables have unknown (NaN) coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any

from optmodel.modeling.elaborate.evaluate import EvaluationError, is_number

#: (variable name, key); the key is None for a scalar variable.
TermKey = tuple[str, Hashable]


class Linear:
    """``sum(coef * variable) + const``; ``nonlinear`` marks values whose coefficients are unknown."""

    __slots__ = ("const", "nonlinear", "terms")

    def __init__(
        self, terms: dict[TermKey, float] | None = None, const: float = 0.0, nonlinear: bool = False
    ) -> None:
        self.terms: dict[TermKey, float] = terms if terms is not None else {}
        self.const = const
        self.nonlinear = nonlinear

    @staticmethod
    def of(value: Any) -> Linear:
        """A number or Linear as a Linear; anything else (text) is an EvaluationError."""
        if isinstance(value, Linear):
            return value
        if is_number(value):
            return Linear(const=float(value))
        raise EvaluationError(
            f"{value!r} is not a number", "both sides of a relation must be numeric"
        )

    @staticmethod
    def opaque(values: Iterable[Any]) -> Linear:
        """A non-linear function of ``values``: its variables, coefficients unknown."""
        terms: dict[TermKey, float] = {}
        for value in values:
            if isinstance(value, Linear):
                terms.update(dict.fromkeys(value.terms, math.nan))
        return Linear(terms, nonlinear=True)

    def is_constant(self) -> bool:
        return not self.terms and not self.nonlinear

    def copy(self) -> Linear:
        return Linear(dict(self.terms), self.const, self.nonlinear)

    def add_in_place(self, other: Linear, factor: float = 1.0) -> None:
        for key, coef in other.terms.items():
            self.terms[key] = self.terms.get(key, 0.0) + factor * coef
        self.const += factor * other.const
        self.nonlinear |= other.nonlinear

    def scaled(self, factor: float) -> Linear:
        return Linear(
            {k: c * factor for k, c in self.terms.items()}, self.const * factor, self.nonlinear
        )

    # --- arithmetic used by the evaluator ----------------------------------------------------------
    def __add__(self, other: Any) -> Linear:
        result = self.copy()
        result.add_in_place(_lift(other))
        return result

    __radd__ = __add__

    def __sub__(self, other: Any) -> Linear:
        result = self.copy()
        result.add_in_place(_lift(other), -1.0)
        return result

    def __rsub__(self, other: Any) -> Linear:
        result = _lift(other).copy()
        result.add_in_place(self, -1.0)
        return result

    def __neg__(self) -> Linear:
        return self.scaled(-1.0)

    def __pos__(self) -> Linear:
        return self

    def __mul__(self, other: Any) -> Linear:
        right = _lift(other)
        if right.is_constant():
            return self.scaled(right.const)
        if self.is_constant():
            return right.scaled(self.const)
        return Linear.opaque((self, right))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Linear:
        right = _lift(other)
        if right.is_constant():
            if right.const == 0:
                raise EvaluationError("division by zero", "check the divisor's data")
            return self.scaled(1.0 / right.const)
        return Linear.opaque((self, right))

    def __rtruediv__(self, other: Any) -> Linear:
        return Linear.opaque((_lift(other), self))

    def __pow__(self, other: Any) -> Linear:
        exponent = _lift(other)
        if exponent.is_constant() and exponent.const == 1:
            return self
        return Linear.opaque((self, exponent))

    def __rpow__(self, other: Any) -> Linear:
        return Linear.opaque((_lift(other), self))

    def __repr__(self) -> str:
        return f"Linear({self.terms!r}, const={self.const!r}, nonlinear={self.nonlinear})"


def _lift(value: Any) -> Linear:
    if isinstance(value, Linear):
        return value
    if is_number(value):
        return Linear(const=float(value))
    raise TypeError(f"cannot combine {value!r} with a decision variable")
