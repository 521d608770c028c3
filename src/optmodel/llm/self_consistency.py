"""Self-consistency over several samples of one problem: readings steered where the text is ambiguous,
candidates clustered by objective value, and a winner chosen by cluster weight.

The first sample answers as usual and lists the readings the text leaves open in ``assumptions``; every
other sample is asked to take the alternative of one of those readings (a different one per sample) where
the text allows it. A text whose first model states no open reading gets plain, unsteered samples.

A steered sample answers another reading on purpose, so its vote says the answer depends on that reading,
not that the first reading is wrong: steered samples never outvote the unsteered one unless its
verification doubts it. (Measured with a real model on 60 held-out problems: letting two steered samples
outvote the first gave 50/60 where the first sample alone gave 57/60.)

>>> candidates = [Candidate(0, 10.0, "wrong"), Candidate(1, 12.0), Candidate(2, 10.000001, "ok")]
>>> choose(candidates)
(2, 2)
>>> choose([Candidate(0, 10.0), Candidate(1, 12.0, steered=True), Candidate(2, 12.0, steered=True)])
(0, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import Template

from optmodel.llm.extract import extract_document
from optmodel.llm.prompting import load_prompt

#: Objective values this close (relative) are one answer: the strict scoring rule's tolerance, so that two
#: models a benchmark would score alike are counted alike (and MIP gaps of 1e-4 do not split a cluster).
CLUSTER_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Candidate:
    """A sample that solved: its objective and what speaks for or against its model."""

    sample: int
    objective: float
    verdict: str = ""
    """The verification verdict on it: ok, wrong, unreadable, or '' when not verified."""
    warnings: int = 0
    attempts: int = 1
    steered: bool = False
    """It was asked to take an alternative reading of the text."""


def steering_note(readings: Sequence[str], sample: int) -> str | None:
    """What sample ``sample`` (>= 1) is told about the first sample's ``readings``; None when there are none."""
    readings = [r.strip() for r in readings if r.strip()]
    if not readings or sample < 1:
        return None
    listed = "\n".join(f"{n}. {r}" for n, r in enumerate(readings, 1))
    focus = (sample - 1) % len(readings) + 1
    return Template(load_prompt("readings.md")).safe_substitute(readings=listed, focus=focus)


def stated_readings(reply: str) -> tuple[str, ...]:
    """The ``assumptions`` listed by the Formulation in an LLM reply (() when there are none)."""
    document = extract_document(reply).document
    raw = document.get("assumptions") if isinstance(document, dict) else None
    return tuple(str(r).strip() for r in raw if str(r).strip()) if isinstance(raw, list) else ()


def agree(a: float, b: float, tolerance: float = CLUSTER_TOLERANCE) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def choose(
    candidates: Sequence[Candidate], tolerance: float = CLUSTER_TOLERANCE
) -> tuple[int, int]:
    """The position of the winning candidate, and the weight of its cluster (samples agreeing with it).

    Candidates whose objectives agree within ``tolerance`` form a cluster; the heaviest cluster wins; among
    equally heavy ones the cleaner model: no doubting verdict, then fewer warnings, then fewer attempts.
    When some samples were steered to other readings, only the unsteered ones that verification does not
    doubt can win (all candidates, when there is none).
    """
    if not candidates:
        raise ValueError("choose() needs at least one candidate")
    values = [c.objective for c in candidates]
    votes = [sum(agree(v, w, tolerance) for w in values) for v in values]

    def cleanliness(position: int) -> tuple[int, int, int, int]:
        c = candidates[position]
        return (int(c.verdict not in ("ok", "")), c.warnings, c.attempts, c.sample)

    pool = list(range(len(candidates)))
    if any(c.steered for c in candidates):
        trusted = [
            p for p in pool if not candidates[p].steered and candidates[p].verdict in ("ok", "")
        ]
        pool = trusted or pool
    top = max(votes[p] for p in pool)
    heaviest = [p for p in pool if votes[p] == top]
    return min(heaviest, key=cleanliness), top


__all__ = ["CLUSTER_TOLERANCE", "Candidate", "agree", "choose", "stated_readings", "steering_note"]
