"""Primal gap, primal integral and time to 1% gap (Berthold 2013), on incumbent-vs-time step functions."""

from __future__ import annotations

from collections.abc import Sequence


def primal_gap(value: float | None, reference: float) -> float:
    """γ = |z − z*| / max(|z|, |z*|); 1 without a solution or when the signs differ; 0 when both are 0."""
    if value is None:
        return 1.0
    if value == reference:
        return 0.0
    if value * reference < 0:
        return 1.0
    return min(1.0, abs(value - reference) / max(abs(value), abs(reference)))


def incumbent_at(trajectory: Sequence[tuple[float, float]], t: float) -> float | None:
    """The last incumbent found at or before time ``t`` (trajectory holds improving points, sorted)."""
    found = None
    for time, value in trajectory:
        if time > t:
            break
        found = value
    return found


def primal_integral(
    trajectory: Sequence[tuple[float, float]], reference: float, horizon: float
) -> float:
    """(1/T) ∫_0^T γ(t) dt for the step function defined by the improving points up to ``horizon``."""
    total, previous_t, gap = 0.0, 0.0, 1.0
    for time, value in trajectory:
        if time >= horizon:
            break
        total += gap * (max(time, 0.0) - previous_t)
        previous_t, gap = max(time, 0.0), primal_gap(value, reference)
    total += gap * (horizon - previous_t)
    return total / horizon


def time_to_gap(
    trajectory: Sequence[tuple[float, float]],
    reference: float,
    horizon: float,
    target: float = 0.01,
) -> float | None:
    """First time the primal gap is at most ``target`` (None if never within ``horizon``)."""
    for time, value in trajectory:
        if time > horizon:
            return None
        if primal_gap(value, reference) <= target:
            return time
    return None


def best_value(values: Sequence[float], maximize: bool) -> float:
    return max(values) if maximize else min(values)
