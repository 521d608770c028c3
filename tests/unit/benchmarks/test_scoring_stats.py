"""Wilson intervals and the paired comparison of two runs, against hand-computed values."""

from __future__ import annotations

import pytest

from optmodel.benchmarks.scoring import compare_runs, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 100, 0.7222, 0.8749),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(4, 3)


def test_compare_runs_counts_flips_and_gives_a_paired_interval() -> None:
    # 5 right in both, 1 only in A, 3 only in B, 1 wrong in both; plus rows that must not count.
    a: dict[str, bool | None] = {f"both{i}": True for i in range(5)}
    b: dict[str, bool | None] = {f"both{i}": True for i in range(5)}
    a.update({"onlyA": True, "wrong": False})
    b.update({"onlyA": False, "wrong": False})
    for i in range(3):
        a[f"onlyB{i}"], b[f"onlyB{i}"] = False, True
    a["unknown"], b["unknown"] = None, True  # ground truth unknown in one run: not scored
    a["missing-in-b"] = True

    result = compare_runs(a, b)

    assert (result.n, result.both_correct, result.only_a, result.only_b, result.both_wrong) == (
        10,
        5,
        1,
        3,
        1,
    )
    assert (result.accuracy_a, result.accuracy_b, result.delta) == pytest.approx((0.6, 0.8, 0.2))
    # var = (1 + 3 - 2**2/10) / 10**2 = 0.036; half-width = 1.95996 * sqrt(0.036) = 0.37187
    assert result.delta_ci == pytest.approx((0.2 - 0.37187, 0.2 + 0.37187), abs=1e-4)
    # exact McNemar: 2 * P(X <= 1), X ~ Bin(4, 1/2) = 2 * 5/16
    assert result.mcnemar_p == pytest.approx(0.625)


def test_compare_runs_without_shared_problems() -> None:
    result = compare_runs({"a": True}, {"b": False})
    assert result.n == 0 and result.delta is None and result.mcnemar_p is None


def test_identical_runs_have_no_difference() -> None:
    run = {"p1": True, "p2": False, "p3": True}
    result = compare_runs(run, run)
    assert result.delta == 0.0 and result.delta_ci == (0.0, 0.0) and result.mcnemar_p == 1.0
