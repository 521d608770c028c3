"""Constrained decoding on real vocabularies: llguidance's masks and our grammar agree, every document
closes within its budget, keys in any order and characters split across byte tokens are accepted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from real_tokenizers import VOCABULARIES, formulation_examples, real_tokenizer
from schema_check import assert_valid

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("llguidance")

import numpy as np
import torch

from optmodel.llm.providers.hf_decoding import (
    RowPlan,
    RowwiseLogitsProcessor,
    apply_bitmask,
    best_per_row,
    unpack_bitmask_tensor,
)
from optmodel.llm.providers.token_constraint import (
    RowConstraint,
    SchemaConstraint,
    TokenVocabulary,
)
from optmodel.modeling.language.ir import Formulation

TASK = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 12},
        "kind": {"enum": ["min", "max"]},
        "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        "xs": {"type": "array", "items": {"type": "number"}, "maxItems": 3},
    },
    "required": ["name", "kind"],
    "additionalProperties": False,
}
_CACHE: dict[str, tuple[Any, TokenVocabulary]] = {}


@pytest.fixture(params=["tiny", *VOCABULARIES])
def vocab(request: pytest.FixtureRequest, tiny_model_dir: Path) -> tuple[Any, TokenVocabulary]:
    """(HF tokenizer, vocabulary): the tiny trained one, and the real ones when their wheels are here."""
    name = request.param
    if name not in _CACHE:
        if name == "tiny":
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
        else:
            try:
                tokenizer = real_tokenizer(name)
            except ImportError as exc:
                pytest.skip(f"{name} vocabulary needs pip install 'optmodel[realvocab]' ({exc})")
        eos = [tokenizer.eos_token_id]
        _CACHE[name] = (tokenizer, TokenVocabulary.from_tokenizer(tokenizer, len(tokenizer), eos))
    return _CACHE[name]


def allowed_by_llguidance(row: RowConstraint, token: int) -> bool:
    import llguidance.numpy

    bitmask = llguidance.numpy.allocate_token_bitmask(1, row.schema.vocabulary.size)
    llguidance.numpy.fill_next_token_bitmask(row.matcher, bitmask)
    return bool(bitmask[0, token // 32] >> (token % 32) & 1)


def test_example_formulations_pass_both_engines_token_by_token(
    vocab: tuple[Any, TokenVocabulary],
) -> None:
    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(Formulation.json_schema(), vocabulary)
    for name, text in formulation_examples():
        row = RowConstraint(schema)
        for token in tokenizer.encode(text, add_special_tokens=False):
            assert allowed_by_llguidance(row, token), name
            assert row.fits(token, 10**6), name
            row.accept(token)
        assert row.is_complete() and not row.broken and not row.closing, name
        assert allowed_by_llguidance(row, vocabulary.eos_id) and row.fits(vocabulary.eos_id, 0)


def test_any_key_order_and_split_characters_are_accepted(
    vocab: tuple[Any, TokenVocabulary],
) -> None:
    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(TASK, vocabulary)
    text = '{"xs":[1.5,-2e3],"kind":"max","tags":{"é😀":3},"name":"𝔘nicode ⿰ 😀"}'
    tokens = tokenizer.encode(text, add_special_tokens=False)
    split = [t for t in tokens if _is_partial_utf8(vocabulary.token_bytes[t])]
    assert split, "the text must contain a character split across byte tokens"
    row = RowConstraint(schema)
    for token in tokens:
        assert row.fits(token, 10**6)
        row.accept(token)
    assert row.is_complete()


@pytest.mark.parametrize(
    "text",
    [
        '{"name":"a","kind":"mid"',  # not an allowed value
        '{"name":"a","name":"b"',  # a key twice
        '{"kind":"min"}',  # required name missing
        '{"name":"a","kind":"min","xs":[1,2,3,4]',  # too many items
        '{"name":"a","kind":"min","other":1',  # undeclared key
    ],
)
def test_corrupted_documents_are_refused(vocab: tuple[Any, TokenVocabulary], text: str) -> None:
    tokenizer, vocabulary = vocab
    row = RowConstraint(SchemaConstraint(TASK, vocabulary))
    tokens = [*tokenizer.encode(text, add_special_tokens=False), vocabulary.eos_id]
    for token in tokens:
        if not row.fits(token, 10**6):
            return
        row.accept(token)
    pytest.fail(f"accepted {text!r}")


@pytest.mark.parametrize("schema", [TASK, Formulation.json_schema()], ids=["task", "formulation"])
def test_random_logits_always_close_a_valid_document_within_max_tokens(
    vocab: tuple[Any, TokenVocabulary], schema: dict[str, Any]
) -> None:
    """What a random model does: any allowed token, greedy or sampled, until the budget forces closing."""
    tokenizer, vocabulary = vocab
    compiled = SchemaConstraint(schema, vocabulary)
    shortest = compiled.cost(compiled.grammar.initial_state())
    budgets = [shortest, shortest + 1, shortest + 7, shortest + 40, shortest + 150]
    plans = [
        RowPlan(
            max_new_tokens=budget,
            temperature=0.0 if i % 2 == 0 else 1.0,
            seed=i,
            constraint=RowConstraint(compiled),
        )
        for i, budget in enumerate(budgets)
    ]
    eos = vocabulary.eos_id
    processor = RowwiseLogitsProcessor(
        plans, prompt_length=1, eos_ids=[eos], decode=tokenizer.decode
    )
    rng = torch.Generator().manual_seed(0)
    ids = torch.zeros((len(plans), 1), dtype=torch.long)
    for _ in range(max(budgets) + 1):
        # Random logits that also like the end token and long tokens, as untrained models do.
        scores = torch.randn((len(plans), vocabulary.size), generator=rng) * 4
        chosen = processor(ids, scores).argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, chosen], dim=1)
    for plan, row in zip(plans, ids.tolist(), strict=True):
        generated = row[1:]
        length = generated.index(eos)
        assert length <= plan.max_new_tokens
        data = b"".join(vocabulary.token_bytes[t] or b"" for t in generated[:length])
        assert not plan.broken_constraint
        assert_valid(json.loads(data), schema)


@pytest.mark.parametrize("cut", [1, 9, 25, 40, 58, 66])
def test_closing_takes_the_shortest_completion_even_inside_a_split_character(
    vocab: tuple[Any, TokenVocabulary], cut: int
) -> None:
    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(TASK, vocabulary)
    text = '{"name":"😀😀","kind":"max","xs":[1.5,-2e3],"tags":{"é😀":3}}'
    prefix = tokenizer.encode(text, add_special_tokens=False)[:cut]
    row = RowConstraint(schema)
    for token in prefix:
        row.accept(token)
    budget = row.cost()
    row.close()
    forced = []
    while (token := row.forced_token()) != vocabulary.eos_id:
        forced.append(token)
        row.accept(token)
    assert len(forced) <= budget and row.is_complete() and not row.broken
    data = b"".join(vocabulary.token_bytes[t] or b"" for t in [*prefix, *forced])
    assert_valid(json.loads(data), TASK)


def test_grammar_memory_is_bounded_by_the_budget(vocab: tuple[Any, TokenVocabulary]) -> None:
    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(Formulation.json_schema(), vocabulary, memory_mib=1)
    limit = schema._steps.limit + schema._costs.limit + schema._closers.limit
    for _ in range(3):
        for _, text in formulation_examples():
            row = RowConstraint(schema)
            for token in tokenizer.encode(text, add_special_tokens=False):
                assert row.fits(token, 10**6)
                row.accept(token)
            assert row.is_complete()
            assert schema.memo_entries() <= limit


def _is_partial_utf8(data: bytes | None) -> bool:
    if not data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_bitmask_application_matches_token_ids_on_both_paths() -> None:
    bitmask = np.zeros((2, 2), dtype=np.int32)
    bitmask[0, 0] = 1 << 3
    bitmask[1, 1] = (1 << 4) - (1 << 31)  # bit 31 is the sign bit
    scores = torch.randn((2, 60))
    apply_bitmask(bitmask, scores)  # the CPU path
    unpacked = unpack_bitmask_tensor(torch.from_numpy(bitmask), 60)  # the GPU path's unpacking
    for row, allowed in enumerate(([3], [36])):
        assert torch.isfinite(scores[row]).nonzero().flatten().tolist() == allowed
        assert unpacked[row].nonzero().flatten().tolist() == allowed
    assert best_per_row(scores)[1] == [3, 36]
