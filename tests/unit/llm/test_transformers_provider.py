"""The transformers provider on a tiny random model loaded from disk: batching, order, sampling, schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from schema_check import assert_valid

from optmodel.llm.types import CompletionRequest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from optmodel.llm.providers.transformers import TransformersProvider

PROMPTS = [
    "maximize profit",
    "x",
    "minimize the cost of each factory subject to demand and capacity for every product",
    "binary variable",
    "the sum of z",
    "integer",
]
SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["min", "max"]},
        "flag": {"type": "boolean"},
        "count": {"type": "integer"},
        "name": {"type": "string", "maxLength": 8},
        "weights": {"type": "array", "items": {"type": "number"}, "maxItems": 4},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["kind", "flag", "count", "name", "weights"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def provider(tiny_model_dir: Path) -> TransformersProvider:
    llm = TransformersProvider(str(tiny_model_dir), batch_size=4, device="cpu")
    llm.load()
    return llm


def requests_for(prompts: list[str], **options: Any) -> list[CompletionRequest]:
    options.setdefault("max_tokens", 10)
    return [
        CompletionRequest.from_prompt(p, request_id=f"r{i}", **options)
        for i, p in enumerate(prompts)
    ]


def test_batched_greedy_equals_one_at_a_time(
    provider: TransformersProvider, tiny_model_dir: Path
) -> None:
    requests = requests_for(PROMPTS)
    batched = provider.complete(requests)
    single = TransformersProvider(str(tiny_model_dir), batch_size=1, device="cpu").complete(
        requests
    )
    assert [r.text for r in batched] == [r.text for r in single]
    assert len({r.text for r in batched}) > 1  # the random model answers prompts differently
    assert all(r.ok and r.provider == "hf" for r in batched)


def test_answers_come_back_in_caller_order(provider: TransformersProvider) -> None:
    requests = requests_for(PROMPTS)
    forward = provider.complete(requests)
    backward = provider.complete(list(reversed(requests)))
    assert [r.request_id for r in forward] == [f"r{i}" for i in range(len(PROMPTS))]
    assert [r.text for r in reversed(backward)] == [r.text for r in forward]
    prompt_lengths = [r.usage.prompt_tokens for r in forward]
    assert len(set(prompt_lengths)) > 1 and prompt_lengths[2] == max(prompt_lengths)


def test_token_limits_and_finish_reasons_are_per_request(provider: TransformersProvider) -> None:
    requests = [
        CompletionRequest.from_prompt(PROMPTS[0], max_tokens=3),
        CompletionRequest.from_prompt(PROMPTS[1], max_tokens=9),
    ]
    short, long = provider.complete(requests)
    assert short.usage.completion_tokens <= 3 and long.usage.completion_tokens <= 9
    for response, limit in ((short, 3), (long, 9)):
        expected = "length" if response.usage.completion_tokens == limit else "stop"
        assert response.finish_reason == expected


def test_seeded_sampling_repeats_and_sample_index_varies(provider: TransformersProvider) -> None:
    def sample(index: int, batch_with: list[str]) -> str:
        requests = requests_for([PROMPTS[0], *batch_with], temperature=1.0, seed=11, max_tokens=12)
        requests[0] = CompletionRequest.from_prompt(
            PROMPTS[0], temperature=1.0, seed=11, max_tokens=12, sample_index=index
        )
        return provider.complete(requests)[0].text

    alone = sample(0, [])
    assert sample(0, PROMPTS[1:4]) == alone  # a sample does not depend on its batch mates
    assert len({sample(i, []) for i in range(4)}) > 1


def test_ignore_eos_generates_exactly_max_tokens(tiny_model_dir: Path) -> None:
    llm = TransformersProvider(str(tiny_model_dir), device="cpu", ignore_eos=True, batch_size=3)
    responses = llm.complete(requests_for(PROMPTS, max_tokens=7))
    assert all(r.usage.completion_tokens == 7 and r.finish_reason == "length" for r in responses)


def test_stop_strings_cut_the_text(provider: TransformersProvider) -> None:
    [free] = provider.complete(requests_for([PROMPTS[2]], max_tokens=12))
    stop = free.text[3:5]
    if not stop.strip():
        pytest.skip("the random model's answer has no usable stop string")
    [cut] = provider.complete(requests_for([PROMPTS[2]], max_tokens=12, stop=(stop,)))
    assert cut.text == free.text[: free.text.find(stop)] and cut.finish_reason == "stop"


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_schema_constrained_output_from_random_weights_is_valid_json(
    provider: TransformersProvider, temperature: float
) -> None:
    requests = [
        CompletionRequest.from_prompt(
            p, max_tokens=60 + 4 * i, temperature=temperature, seed=i, json_schema=SCHEMA
        )
        for i, p in enumerate(PROMPTS)
    ]
    for response in provider.complete(requests):
        assert response.ok, response.error
        assert_valid(json.loads(response.text), SCHEMA)


def test_schema_that_cannot_fit_in_max_tokens_is_an_error_response(
    provider: TransformersProvider,
) -> None:
    too_small = CompletionRequest.from_prompt("x", max_tokens=5, json_schema=SCHEMA)
    fine = CompletionRequest.from_prompt("x", max_tokens=4)
    bad, good = provider.complete([too_small, fine])
    assert not bad.ok and "too small" in (bad.error or "")
    assert good.ok


def test_prompt_longer_than_the_context_is_an_error_response(
    provider: TransformersProvider,
) -> None:
    long, short = provider.complete(
        [
            CompletionRequest.from_prompt("x " * 1100, max_tokens=4),
            CompletionRequest.from_prompt("x"),
        ]
    )
    assert not long.ok and "the model's context holds 1024" in (long.error or "")
    assert short.ok


def test_unsupported_schema_is_an_error_response(provider: TransformersProvider) -> None:
    [response] = provider.complete(
        [CompletionRequest.from_prompt("x", json_schema={"type": "array", "prefixItems": []})]
    )
    assert not response.ok and "unsupported JSON schema" in (response.error or "")


def test_tokenizer_without_chat_template_uses_the_fallback(tmp_path: Path) -> None:
    from tiny_hf_model import build_tiny_model

    directory = build_tiny_model(tmp_path / "plain", chat_template=False)
    llm = TransformersProvider(str(directory), device="cpu")
    [response] = llm.complete(requests_for(["hello"], max_tokens=4))
    assert response.ok and response.usage.prompt_tokens > 0


def test_missing_model_says_what_to_give(tmp_path: Path) -> None:
    from optmodel.errors import LLMError

    with pytest.raises(LLMError, match="could not load the model"):
        TransformersProvider(str(tmp_path / "nope"), device="cpu").load()
