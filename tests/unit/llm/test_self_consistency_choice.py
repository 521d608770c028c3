"""Choosing among self-consistency samples: cluster weight, then verdict, then warnings."""

from __future__ import annotations

import pytest

from optmodel.llm.self_consistency import Candidate, choose, stated_readings, steering_note


def test_the_heaviest_cluster_wins_over_a_cleaner_lone_sample() -> None:
    candidates = [
        Candidate(0, 100.0, verdict="ok"),
        Candidate(1, 90.0, verdict="wrong", warnings=2),
        Candidate(2, 90.0 * (1 + 5e-5), verdict="wrong"),  # within the relative tolerance of 90
    ]
    assert choose(candidates) == (2, 2)  # fewer warnings inside the winning cluster


def test_equal_clusters_fall_to_the_verdict_then_to_warnings_then_attempts() -> None:
    assert choose([Candidate(0, 1.0, "wrong"), Candidate(1, 2.0, "ok", warnings=3)]) == (1, 1)
    assert choose([Candidate(0, 1.0, "ok", warnings=1), Candidate(1, 2.0, "")]) == (1, 1)
    assert choose([Candidate(0, 1.0, attempts=3), Candidate(1, 2.0, attempts=2)]) == (1, 1)


def test_the_tolerance_is_relative_and_configurable() -> None:
    near = [Candidate(0, 1000.0), Candidate(1, 1000.5)]
    assert choose(near)[1] == 1  # 5e-4 apart
    assert choose(near, tolerance=1e-3)[1] == 2


def test_no_candidate_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        choose([])


def test_each_later_sample_focuses_on_another_reading() -> None:
    readings = ["a", "b"]
    assert steering_note(readings, 0) is None and steering_note([" "], 1) is None
    notes = [steering_note(readings, s) for s in (1, 2, 3)]
    assert ["reading 1;" in n for n in notes if n] == [True, False, True]
    assert notes[1] is not None and "reading 2;" in notes[1]


def test_stated_readings_come_from_the_reply_document() -> None:
    reply = 'Model:\n```json\n{"assumptions": ["per truck", " "], "variables": {}}\n```'
    assert stated_readings(reply) == ("per truck",)
    assert stated_readings("no json here") == ()
    assert stated_readings('```json\n{"assumptions": "one"}\n```') == ()


def test_steered_samples_that_agree_do_not_outvote_the_first_reading() -> None:
    first = Candidate(0, 8090.0, "ok")
    steered = [Candidate(1, 15840.0, steered=True), Candidate(2, 15840.0, steered=True)]
    assert choose([first, *steered]) == (0, 1)


def test_a_first_reading_that_verification_doubts_gives_way_to_the_steered_ones() -> None:
    first = Candidate(0, 5810.0, "wrong")
    steered = [Candidate(1, 5116.0, "ok", steered=True), Candidate(2, 5116.0, steered=True)]
    assert choose([first, *steered]) == (1, 2)


def test_unsteered_samples_still_vote_among_themselves() -> None:
    plain = [Candidate(0, 3.0), Candidate(1, 4.0), Candidate(2, 4.0)]
    assert choose(plain) == (1, 2)
