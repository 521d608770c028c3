"""Is a predicted objective value correct? Our strict default rule, and the published rules alongside.

The papers in this field score differently (README of the normalized datasets, "How the sources
score correctness"), so every prediction is scored under all of them at once:

=============  ===========================================================================  ===========
rule           correct when (ground truth ``y`` optimal, prediction ``p``)                   from
=============  ===========================================================================  ===========
``strict``     ``|p - y| <= 1e-4 * max(1, |y|)``                                             ours
``abs0.1``     ``|p - y| <= 0.1``                                                             AlphaOPT
``abs0.01``    ``|p - y| < 0.01``                                                             ORThought
``rounded5``   ``round()`` both; ``|r(p) - r(y)| / |r(y)| <= 0.05`` (``|r(p)| <= 0.05`` at 0)  ORLM/OptMATH
``mamo``       ``|p - y| < 10**-d``, ``d = max(2, decimals of the answer string)``, or         MAMO
               relative error ``<= 1e-4`` (MAMO's code: ``|p - y| * 1e-4 <= 1e-4`` at 0)
``sirl``       ``|p - y| / (|y| + 1) <= 1e-6`` (without SIRL's type-flipping re-runs)        SIRL
=============  ===========================================================================  ===========

Ground truth other than a number is handled explicitly and the same way under every rule:

* ``infeasible`` (the sources' "No Best Solution" / "infeasible or unbounded" / -9999): correct iff
  the prediction says no optimal solution exists (status infeasible, unbounded or no_solution).
  The sources do not separate infeasible from unbounded, so neither can we.
* ``unknown``: not scored (None), counted separately by the summary.

No rule flips integer/continuous or min/max, and no rule retries anything: a prediction is one
status and one objective value.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from optmodel.benchmarks.datasets.problem import Problem

DEFAULT_RULE = "strict"


class PredictionStatus(str, enum.Enum):
    """What a method concluded about a problem."""

    OPTIMAL = "optimal"  # a proven optimal objective value
    FEASIBLE = "feasible"  # an objective value, optimality not proven (e.g. time limit)
    INFEASIBLE = "infeasible"  # proven infeasible
    UNBOUNDED = "unbounded"  # proven unbounded
    NO_SOLUTION = "no_solution"  # proven: no optimum, infeasible or unbounded (not told apart)
    ERROR = "error"  # no answer at all: no model, crash, timeout without a solution

    @property
    def says_no_optimum(self) -> bool:
        """True for the statuses that match an infeasible ground truth."""
        return self in (
            PredictionStatus.INFEASIBLE,
            PredictionStatus.UNBOUNDED,
            PredictionStatus.NO_SOLUTION,
        )


@dataclass(frozen=True)
class Prediction:
    """A method's answer to one problem: a status and, with optimal/feasible, an objective value."""

    status: PredictionStatus
    objective: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", PredictionStatus(self.status))

    @property
    def value(self) -> float | None:
        """The objective as a finite number when the status carries one, else None."""
        if self.status not in (PredictionStatus.OPTIMAL, PredictionStatus.FEASIBLE):
            return None
        if self.objective is None or isinstance(self.objective, bool):
            return None
        value = float(self.objective)
        return value if math.isfinite(value) else None


#: ``compare(predicted, expected, problem) -> correct`` for an optimal ground truth.
ValueCheck = Callable[[float, float, Problem], bool]


@dataclass(frozen=True)
class ScoringRule:
    """One correctness rule: a value comparison plus the shared status handling."""

    name: str
    description: str
    source: str
    compare: ValueCheck

    def __call__(self, prediction: Prediction, problem: Problem) -> bool | None:
        """True/False, or None when the ground truth is unknown (not scored)."""
        if problem.answer_status == "unknown":
            return None
        if problem.answer_status == "infeasible":
            return prediction.status.says_no_optimum
        predicted = prediction.value
        if predicted is None or problem.answer is None:
            return False
        return self.compare(predicted, problem.answer, problem)


def _strict(p: float, y: float, _: Problem) -> bool:
    return abs(p - y) <= 1e-4 * max(1.0, abs(y))


def _abs_01(p: float, y: float, _: Problem) -> bool:
    return abs(p - y) <= 0.1


def _abs_001(p: float, y: float, _: Problem) -> bool:
    return abs(p - y) < 0.01


def _rounded_5pct(p: float, y: float, _: Problem) -> bool:
    # Python's round() (half to even), as ORLM's and OptMATH's eval scripts use it.
    rp, ry = round(p), round(y)
    if ry == 0:
        return abs(rp) <= 0.05
    return abs(rp - ry) / abs(ry) <= 0.05


def _mamo(p: float, y: float, problem: Problem) -> bool:
    # FreedomIntelligence/Mamo 3.run_code_comp_optimization.py: scale by 10**d, compare to 1;
    # else relative error, which its code computes as |p - y| * 1e-4 when the answer is 0.
    d = max(2, _decimals(problem.answer_raw or repr(y)))
    if abs(p * 10**d - y * 10**d) < 1:
        return True
    rate = abs(p - y) * 1e-4 if y == 0 else abs(p - y) / abs(y)
    return rate <= 1e-4


def _decimals(text: str) -> int:
    mantissa = text.strip().lower().split("e", 1)[0]
    return len(mantissa.split(".", 1)[1]) if "." in mantissa else 0


def _sirl(p: float, y: float, _: Problem) -> bool:
    return abs(p - y) / (abs(y) + 1) <= 1e-6


RULES: Mapping[str, ScoringRule] = MappingProxyType(
    {
        rule.name: rule
        for rule in (
            ScoringRule("strict", "|p-y| <= 1e-4*max(1,|y|)", "optmodel default", _strict),
            ScoringRule("abs0.1", "|p-y| <= 0.1", "AlphaOPT", _abs_01),
            ScoringRule("abs0.01", "|p-y| < 0.01", "ORThought", _abs_001),
            ScoringRule(
                "rounded5", "round both; relative error <= 5%", "ORLM / OptMATH", _rounded_5pct
            ),
            ScoringRule(
                "mamo", "|p-y| < 10^-max(2,decimals) or relative error <= 1e-4", "MAMO", _mamo
            ),
            ScoringRule("sirl", "|p-y|/(|y|+1) <= 1e-6, no type flipping", "SIRL", _sirl),
        )
    }
)


def score(prediction: Prediction, problem: Problem) -> dict[str, bool | None]:
    """Score one prediction under every rule in :data:`RULES` (None: ground truth unknown).

    >>> p = Problem(id="x", dataset="d", question="q", answer=100.0)
    >>> score(Prediction(PredictionStatus.OPTIMAL, 100.005), p)["strict"]
    True
    """
    return {name: rule(prediction, problem) for name, rule in RULES.items()}


# --- Uncertainty: how sure are we about an accuracy, and about a difference between two runs? ---

#: Two-sided 95% standard-normal quantile.
Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (95% by default).

    Well behaved at 0 and n (unlike the normal-approximation interval); ``n == 0`` gives (0, 1).

    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    phat = k / n
    denominator = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denominator
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denominator
    # The bounds at k == 0 and k == n are exactly 0 and 1; avoid rounding noise there.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class PairedComparison:
    """Two runs scored on the same problems: flips, accuracy delta (b - a) with a 95% CI, McNemar p.

    Only problems scored (True/False) in both runs count. ``only_a``: correct in run a, wrong in b.
    """

    n: int
    both_correct: int
    only_a: int
    only_b: int
    both_wrong: int
    accuracy_a: float | None
    accuracy_b: float | None
    delta: float | None
    delta_ci: tuple[float, float] | None
    mcnemar_p: float | None


def compare_runs(
    a: Mapping[str, bool | None], b: Mapping[str, bool | None], z: float = Z95
) -> PairedComparison:
    """Paired comparison of two runs, each ``{problem_id: correct}`` under one rule.

    The delta's interval is the normal approximation for a difference of paired proportions,
    ``(only_b - only_a)/n ± z·sqrt(only_a + only_b - (only_b - only_a)²/n)/n``; the p-value is the
    exact two-sided McNemar (binomial) test on the discordant pairs.
    """
    shared = [key for key in a if key in b and a[key] is not None and b[key] is not None]
    both = sum(1 for key in shared if a[key] and b[key])
    only_a = sum(1 for key in shared if a[key] and not b[key])
    only_b = sum(1 for key in shared if b[key] and not a[key])
    n = len(shared)
    if n == 0:
        return PairedComparison(0, 0, 0, 0, 0, None, None, None, None, None)
    delta = (only_b - only_a) / n
    variance = max(0.0, only_a + only_b - (only_b - only_a) ** 2 / n) / (n * n)
    half = z * math.sqrt(variance)
    return PairedComparison(
        n=n,
        both_correct=both,
        only_a=only_a,
        only_b=only_b,
        both_wrong=n - both - only_a - only_b,
        accuracy_a=(both + only_a) / n,
        accuracy_b=(both + only_b) / n,
        delta=delta,
        delta_ci=(max(-1.0, delta - half), min(1.0, delta + half)),
        mcnemar_p=_mcnemar_exact(only_a, only_b),
    )


def _mcnemar_exact(b: int, c: int) -> float:
    discordant = b + c
    if discordant == 0:
        return 1.0
    tail = sum(math.comb(discordant, i) for i in range(min(b, c) + 1)) / 2**discordant
    return min(1.0, 2 * tail)
