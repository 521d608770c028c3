"""The demo's plain-language problems solve to their known optima from the recorded responses.

examples/nl/responses.jsonl holds replies written by hand for the demo (no model produced them; see
scripts/record_demo_responses.py). Everything after the LLM boundary is real: extraction, validation, the
repair loop, compilation, HiGHS and the checker. The keys of the recording cover the whole conversation
(prompts, schema, feedback texts), so a change to any of those shows up here first.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import optmodel
from optmodel.errors import FormulationError
from optmodel.pipeline import Answer

ROOT = Path(__file__).resolve().parents[2]
NL_DIR = ROOT / "examples" / "nl"
RECORDING = NL_DIR / "responses.jsonl"
RERECORD = (
    "the recorded demo responses no longer match the requests the formulator makes (a prompt, the schema "
    "or a feedback text changed?); re-run: .venv/bin/python scripts/record_demo_responses.py"
)

#: Optima computed independently of optmodel.
KNOWN_OPTIMUM = {
    # brute force over all 2**10 subsets of items within 15 kg
    "knapsack.txt": 89.0,
    # Wyndor Glass: vertex of 2*windows <= 12 and 3*doors + 2*windows <= 18 -> doors 2, windows 6
    "production_mix.txt": 36.0,
    # Dantzig/GAMS trnsport; scipy.optimize.linprog on the 2x3 supply/demand LP gives 153.675
    "transportation.txt": 153.675,
}


@cache
def solve_demo(name: str) -> Answer:
    """Each problem is formulated and solved once per test session (the tests only read the answer)."""
    try:
        return optmodel.solve(NL_DIR / name, llm=f"recorded:{RECORDING}")
    except FormulationError as exc:
        pytest.fail(f"{name}: {exc}\n{RERECORD}")


def test_every_demo_problem_has_a_known_optimum() -> None:
    assert sorted(p.name for p in NL_DIR.glob("*.txt")) == sorted(KNOWN_OPTIMUM)


@pytest.mark.parametrize("name", sorted(KNOWN_OPTIMUM))
def test_demo_problem_solves_to_known_optimum(name: str) -> None:
    answer = solve_demo(name)

    assert answer.source == "llm"
    assert answer.status == "optimal"
    assert answer.objective == pytest.approx(KNOWN_OPTIMUM[name], rel=1e-6)
    assert answer.result.max_violation is not None and answer.result.max_violation <= 1e-6
    assert all(a.stage != "llm-error" for a in answer.attempts), RERECORD


def test_demo_shows_the_repair_loop() -> None:
    attempts = {name: solve_demo(name).attempts for name in sorted(KNOWN_OPTIMUM)}
    repaired = {name: a for name, a in attempts.items() if a[0].stage != "ok"}
    assert repaired, "no demo problem needed a repair"
    for name, steps in repaired.items():
        first, last_model = steps[0], [a for a in steps if not a.verdict][-1]
        assert first.stage == "validate" and first.issues, name
        # The validator's feedback reached the model, and the next reply fixed the model.
        assert first.feedback and first.feedback in "\n".join(m.content for m in steps[1].messages)
        assert last_model.stage == "ok", name


def test_demo_answers_are_verified_and_state_their_reading() -> None:
    for name in sorted(KNOWN_OPTIMUM):
        answer = solve_demo(name)
        assert answer.verdict == "ok", name
        # The verification turn showed the solved plan in the problem's terms.
        assert "Objective (" in answer.attempts[-1].messages[-1].content, name
    assert solve_demo("production_mix.txt").assumptions == (
        "profit is counted in thousands of dollars, as the question asks",
    )


def test_recording_says_no_model_wrote_it() -> None:
    lines = [json.loads(line) for line in RECORDING.read_text("utf-8").splitlines() if line.strip()]
    assert lines
    for record in lines:
        assert "no LLM produced this response" in record["note"]
        assert record["response"]["model"] == "hand-written (no model)"
