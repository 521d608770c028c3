"""Interpretation-aware self-consistency: later samples are steered toward the first sample's open readings.

Only the LLM is scripted; validation, compilation and HiGHS are real.
"""

from __future__ import annotations

import pytest
from depot_problem import PER_CONTAINER, PER_TRUCK, PROBLEM, fenced, shipping

from optmodel.benchmarks.methods import parse_method
from optmodel.llm.formulator import Formulator, FormulatorConfig
from optmodel.llm.providers.scripted import ScriptedProvider

READINGS = ["cost is per truck-km", "the shop's need of 7 is a minimum (>=)"]


def test_later_samples_take_the_alternatives_of_the_first_samples_readings() -> None:
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(shipping("truck", READINGS)),  # round 1: only the first sample
        fenced(shipping("container", ["cost is per container-km (took the alternative of 1)"])),
        fenced(shipping("truck", ["cost is per truck-km (kept 1)", "need is exactly 7 (took 2)"])),
    )
    config = FormulatorConfig(samples=3, max_attempts=1)
    result = Formulator(llm, config).formulate(PROBLEM, "depot")

    first, second, third = llm.requests
    assert first.sample_index == 0 and "Another modeler" not in first.messages[-1].content
    for request, focus in ((second, 1), (third, 2)):
        asked = request.messages[-1].content
        assert asked.startswith(f"Problem:\n{PROBLEM}")
        assert "1. cost is per truck-km\n2. the shop's need of 7 is a minimum (>=)" in asked
        assert f"above all for reading {focus};" in asked
    # Clustered by objective: the two per-truck readings outvote the per-container one.
    assert result.result is not None and result.result.objective == pytest.approx(PER_TRUCK)
    assert result.chosen_sample == 0 and result.agreement == (2, 3)
    assert sorted(a.objective for a in result.attempts) == pytest.approx(
        [PER_TRUCK, PER_TRUCK, PER_CONTAINER]
    )


def test_a_first_model_with_no_open_reading_gets_plain_samples() -> None:
    llm = ScriptedProvider()
    llm.enqueue(*[fenced(shipping("truck", []))] * 3)
    result = Formulator(llm, FormulatorConfig(samples=3, max_attempts=1)).formulate(PROBLEM)

    assert [r.messages for r in llm.requests[1:]] == [llm.requests[0].messages] * 2
    assert result.agreement == (3, 3)  # unanimous


def test_steering_can_be_switched_off_and_all_samples_go_out_at_once() -> None:
    rounds: list[int] = []

    class Counting(ScriptedProvider):
        def complete(self, requests):  # type: ignore[no-untyped-def]
            rounds.append(len(requests))
            return super().complete(requests)

    llm = Counting()
    llm.enqueue(*[fenced(shipping("truck", READINGS))] * 3)
    config = FormulatorConfig(samples=3, max_attempts=1, steer_readings=False)
    Formulator(llm, config).formulate(PROBLEM)
    assert rounds == [3]
    assert all("Another modeler" not in r.messages[-1].content for r in llm.requests)


def test_sc_method_verifies_every_sample_and_the_ok_verdict_breaks_a_tie() -> None:
    # Two samples, two readings, one cluster each: the one whose verification found no discrepancy wins.
    llm = ScriptedProvider()
    llm.enqueue(
        fenced(shipping("container", READINGS[:1])),  # sample 0, round 1
        # round 2: sample 0's verdict, and sample 1's first answer
        fenced({"verdict": "wrong", "discrepancies": ["a truck carries 2 -> per-container cost"]}),
        fenced(shipping("truck", ["cost is per truck-km (kept 1)"])),
        fenced({"verdict": "ok"}),  # round 3: sample 1's verdict
    )
    result = Formulator(llm, parse_method("sc-2").config).formulate(PROBLEM)

    assert len(llm.requests) == 4 and llm.pending == 0
    assert result.chosen_sample == 1 and result.verdict == "ok"
    assert result.result is not None and result.result.objective == pytest.approx(PER_TRUCK)
    assert result.agreement == (1, 2)
