"""Linear batches: per row, a constant plus terms in the decision variables, and the numeric arithmetic the
reference interpreter does (its errors become :class:`NotVectorizable`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from optmodel.modeling.matrix.frame import NotVectorizable


@dataclass(frozen=True)
class Linear:
    """Per row ``const[row] + sum(coefs * x[cols])`` over the terms with that ``row``."""

    rows: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray
    const: np.ndarray  # float64, one per row

    def scaled(self, factor: np.ndarray | float) -> Linear:
        if isinstance(factor, np.ndarray):
            return Linear(self.rows, self.cols, self.coefs * factor[self.rows], self.const * factor)
        return Linear(self.rows, self.cols, self.coefs * factor, self.const * factor)


def numeric(value: Any, size: int) -> np.ndarray:
    """A number or numeric array as float64 per row; members or booleans are not numbers here."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "if":
            raise NotVectorizable("arithmetic on set members or conditions")
        return value.astype(np.float64, copy=False)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotVectorizable(f"arithmetic on {value!r}")
    return np.full(size, float(value))


def as_linear(value: Any, size: int) -> Linear:
    if isinstance(value, Linear):
        return value
    empty = np.empty(0, dtype=np.int64)
    return Linear(empty, empty, np.empty(0), numeric(value, size))


def number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotVectorizable(f"{value!r} is not a number")
    return value


def factor(value: Any, size: int) -> np.ndarray | float:
    if isinstance(value, np.ndarray):
        return numeric(value, size)
    return float(number(value))


def divided(linear: Linear, divisor: np.ndarray) -> Linear:
    return Linear(
        linear.rows, linear.cols, linear.coefs / divisor[linear.rows], linear.const / divisor
    )


def arithmetic(op: str, left: Any, right: Any, size: int) -> Any:
    """Numbers with numbers, with the reference's errors (division by zero, complex powers) as declines."""
    if not isinstance(left, np.ndarray) and not isinstance(right, np.ndarray):
        a, b = number(left), number(right)
        if op == "/" and b == 0:
            raise NotVectorizable("division by zero")
        if op == "**":
            try:
                result = float(a) ** b
            except (OverflowError, ZeroDivisionError) as error:
                raise NotVectorizable(str(error)) from error
            if isinstance(result, complex):
                raise NotVectorizable("complex power")
            return result
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        raise NotVectorizable(f"operator {op!r}")
    a_array = _array_operand(left, size)
    b_array = _array_operand(right, size)
    with np.errstate(all="ignore"):
        if op == "+":
            result = a_array + b_array
        elif op == "-":
            result = a_array - b_array
        elif op == "*":
            result = a_array * b_array
        elif op == "/":
            if np.any(np.asarray(b_array) == 0):
                raise NotVectorizable("division by zero")
            result = np.asarray(a_array, dtype=np.float64) / b_array
        elif op == "**":
            result = np.power(np.asarray(a_array, dtype=np.float64), b_array)
            if np.isnan(result).any():
                raise NotVectorizable("power outside its domain")
        else:
            raise NotVectorizable(f"operator {op!r}")
    result = np.asarray(result)
    if result.shape != (size,):
        result = np.broadcast_to(result, (size,)).copy()
    return result


def _array_operand(value: Any, size: int) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "if":
            raise NotVectorizable("arithmetic on set members or conditions")
        return value
    return number(value)
