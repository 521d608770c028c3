"""Request validation and the request fingerprint."""

from __future__ import annotations

import pytest

from optmodel.llm.types import ChatMessage, CompletionRequest, request_fingerprint


@pytest.mark.parametrize(
    "options",
    [
        {"max_tokens": 0},
        {"temperature": -0.1},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"sample_index": -1},
    ],
)
def test_bad_sampling_parameters_are_rejected_at_once(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CompletionRequest.from_prompt("x", **options)  # type: ignore[arg-type]


def test_bad_messages_are_rejected() -> None:
    with pytest.raises(ValueError, match="role"):
        ChatMessage("robot", "hi")
    with pytest.raises(ValueError, match="at least one"):
        CompletionRequest(messages=())


def test_lists_become_tuples_and_the_fingerprint_ignores_the_request_id() -> None:
    a = CompletionRequest(messages=[ChatMessage("user", "q")], stop=["x"], request_id="a")  # type: ignore[arg-type]
    b = CompletionRequest(messages=(ChatMessage("user", "q"),), stop=("x",), request_id="b")
    assert isinstance(a.messages, tuple) and isinstance(a.stop, tuple)
    assert request_fingerprint(a) == request_fingerprint(b)
    # Key order inside the schema does not matter; its content does.
    s1 = CompletionRequest.from_prompt("q", json_schema={"type": "object", "required": []})
    s2 = CompletionRequest.from_prompt("q", json_schema={"required": [], "type": "object"})
    s3 = CompletionRequest.from_prompt("q", json_schema={"type": "array"})
    assert request_fingerprint(s1) == request_fingerprint(s2) != request_fingerprint(s3)


def test_effective_seed_keeps_sample_zero_and_separates_the_others() -> None:
    seeds = [
        CompletionRequest.from_prompt("q", seed=7, sample_index=i).effective_seed()
        for i in range(4)
    ]
    assert seeds[0] == 7 and len(set(seeds)) == 4
    assert CompletionRequest.from_prompt("q", sample_index=3).effective_seed() is None
