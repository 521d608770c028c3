"""Printed and JSON numbers: float noise removed, integral values as integers."""

from __future__ import annotations

import math

import pytest

from optmodel.solvers.tidy import tidy_number


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (199.99999999999994, 200),
        (-4.26e-14, 0),
        (0.1 + 0.2, 0.3),
        (2200.0, 2200),
        (1 / 3, 0.333333333333),
        (-7.5, -7.5),
        (18.999999, 18.999999),  # a continuous value keeps its digits
        (1e20, 100000000000000000000.0),
    ],
)
def test_tidy_number(raw: float, shown: float) -> None:
    tidy = tidy_number(raw)
    assert tidy == shown
    assert isinstance(tidy, int) == isinstance(shown, int)


def test_integer_variables_use_the_integrality_tolerance() -> None:
    assert tidy_number(18.999999, integer_variable=True) == 19
    assert tidy_number(18.99, integer_variable=True) == 18.99


def test_non_finite_and_missing_values_pass_through() -> None:
    assert tidy_number(None) is None
    assert tidy_number(math.inf) == math.inf
