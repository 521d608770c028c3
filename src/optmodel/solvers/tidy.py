"""Numbers as people and JSON readers should see them: solver noise cleaned, integral values as integers.

``199.99999999999994`` is 200 and ``-4.26e-14`` is 0 to any solver's tolerance; printing them as they are only
hides the answer. The raw values stay in :attr:`SolveResult.solution`; this is for printed and JSON output.
"""

from __future__ import annotations

import math

#: Magnitudes at or below this are zero (HiGHS drops matrix values below 1e-9 too).
ZERO_TOLERANCE = 1e-9
#: A value this close (relative) to an integer is that integer.
INTEGRAL_TOLERANCE = 1e-9
#: An integer or binary variable this close to an integer is that integer (solvers accept 1e-6..1e-5).
INTEGER_VARIABLE_TOLERANCE = 1e-5
#: Significant digits kept otherwise: well past any solver's feasibility tolerance, short of float noise.
SIGNIFICANT_DIGITS = 12


def tidy_number(value: float | None, *, integer_variable: bool = False) -> float | int | None:
    """``value`` with float noise removed: an int when it is integral, else at most 12 significant digits.

    >>> tidy_number(199.99999999999994), tidy_number(-4.26e-14), tidy_number(0.1 + 0.2)
    (200, 0, 0.3)
    >>> tidy_number(18.999999, integer_variable=True)
    19
    """
    if value is None or not math.isfinite(value):
        return value
    if abs(value) <= ZERO_TOLERANCE:
        return 0
    nearest = round(value)
    tolerance = (
        INTEGER_VARIABLE_TOLERANCE
        if integer_variable
        else INTEGRAL_TOLERANCE * max(1.0, abs(value))
    )
    if abs(value - nearest) <= tolerance and abs(value) < 2**53:
        return int(nearest)
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
