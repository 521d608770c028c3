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

from optmodel.llm.providers import hf_decoding
from optmodel.llm.providers.hf_decoding import (
    RowPlan,
    RowwiseLogitsProcessor,
    _apply_bitmask_torch,
    allowed_tokens,
    apply_bitmask,
    best_allowed,
    best_per_row,
    fill_bitmask,
    force_tokens,
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
    limit = sum(m.limit for m in (schema._steps, schema._costs, schema._tokens, schema._closers))
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
    bitmask = np.zeros((3, 2), dtype=np.int32)
    bitmask[0, 0] = 1 << 3
    bitmask[1, 1] = (1 << 4) - (1 << 31)  # bit 31 is the sign bit
    bitmask[2, 0] = 1 << 7
    original = torch.randn((3, 60))
    for rows in (None, [1], [2, 0]):
        scores, on_torch = original.clone(), original.clone()
        apply_bitmask(bitmask, scores, rows)  # the CPU path
        _apply_bitmask_torch(bitmask, on_torch, rows)  # the GPU path, run here on CPU tensors
        for row, allowed in enumerate(([3], [36], [7])):
            expected = allowed if rows is None or row in rows else list(range(60))
            assert torch.isfinite(scores[row]).nonzero().flatten().tolist() == expected
            assert torch.equal(scores[row], on_torch[row])
    unpacked = unpack_bitmask_tensor(torch.from_numpy(bitmask), 60)
    assert [r.nonzero().flatten().tolist() for r in unpacked] == [[3], [36], [7]]
    scores = original.clone()
    apply_bitmask(bitmask, scores)
    assert best_per_row(scores)[1] == [3, 36, 7]
    assert best_per_row(scores, [2, 1])[1] == [7, 36]
    # Token 63 is bit 31 of row 1's second word (the sign bit).
    assert allowed_tokens(bitmask, [0, 0, 1, 1, 1, 2], [3, 4, 36, 62, 63, 7]) == [
        True, False, True, False, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize("density", [0.0, 0.002, 0.05, 0.5, 0.93, 0.999])
def test_best_allowed_token_equals_the_argmax_of_the_masked_row(density: float) -> None:
    """Sparse masks (ids from nonzero words), dense ones (refused tokens dropped, then the whole
    mask after a few), ties (lowest id wins), bits past the scored tokens, nothing allowed."""
    rng = np.random.default_rng(int(density * 1000))
    width, rows = 3000, 24
    bitmask = np.zeros((rows, (width + 40 + 31) // 32), dtype=np.int32)  # 40 unscored tokens
    allowed = rng.random((rows, bitmask.shape[1] * 32)) < density
    allowed[1] = False  # nothing allowed
    allowed[2, :width] = False
    allowed[2, width + 3] = True  # only a token the scores do not cover
    allowed[4, :30] = False  # more refused tokens at the top than are dropped one by one
    bitmask[:] = np.packbits(allowed, axis=1, bitorder="little").view(np.int32)
    scores = torch.from_numpy(rng.standard_normal((rows, width)).astype(np.float32))
    scores[3, ::7] = 5.0  # ties: the lowest allowed id among them wins
    scores[4, :40] = scores[4].max() + 1  # 40 tokens above all others
    masked = scores.clone()
    apply_bitmask(bitmask, masked)
    expected = best_per_row(masked)
    best = best_per_row(scores)[1]
    refused = [r for r in range(rows) if not allowed[r, best[r]]]
    values, tokens = best_allowed(bitmask, scores.numpy(), refused, best)
    for row, value, token in zip(refused, values, tokens, strict=True):
        if expected[0][row] == -float("inf"):
            assert (value, token) == (-float("inf"), -1)
        else:
            assert (value, token) == (expected[0][row], expected[1][row])
            assert torch.isinf(scores[row]).sum() < 40  # only refused tokens were set to -inf
            assert all(not allowed[row, t] for t in torch.isinf(scores[row]).nonzero().flatten())


def test_forced_tokens_win_the_argmax_with_or_without_a_finite_peak() -> None:
    scores = torch.randn((4, 50))
    scores[2, 7] = float("nan")
    scores[3, 9] = float("inf")
    peaks = best_per_row(scores)[0]
    before = scores.clone()
    force_tokens(scores, {0: 5, 1: 6, 2: 11, 3: 12}, peaks)
    assert scores.argmax(dim=-1).tolist() == [5, 6, 11, 12]
    # One +inf where the row's peak is finite; the others are masked whole.
    assert torch.equal(scores[0, :5], before[0, :5]) and scores[0, 5] == float("inf")
    assert torch.isinf(scores[2]).sum() == 49 and scores[2, 11] == 0.0


def test_masks_filled_in_the_caller_equal_the_thread_pools(
    vocab: tuple[Any, TokenVocabulary], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fill_bitmask works row by row where the machine has few cores, else on llguidance's pool."""
    import llguidance

    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(Formulation.json_schema(), vocabulary)
    _, text = formulation_examples()[0]
    rows = [RowConstraint(schema) for _ in range(4)]
    for i, token in enumerate(tokenizer.encode(text, add_special_tokens=False)[:40]):
        for row in rows[: 1 + i % 4]:  # rows at different places in the document
            row.accept(token)
    matchers = [(row.matcher, i) for i, row in enumerate(rows)]
    masks = []
    for executor in (None, llguidance.LLExecutor()):
        monkeypatch.setattr(hf_decoding, "mask_executor", lambda e=executor: e)
        bitmask = np.zeros((4, (vocabulary.size + 31) // 32), dtype=np.int32)
        fill_bitmask(bitmask, matchers)
        masks.append(bitmask)
    assert np.array_equal(masks[0], masks[1])
    assert len({masks[0][i].tobytes() for i in range(4)}) > 1  # the rows differ


def test_greedy_rows_take_the_best_allowed_token_without_masking_every_row(
    vocab: tuple[Any, TokenVocabulary],
) -> None:
    """Unmasked rows keep their scores only when their best token is also the best allowed one."""
    import llguidance.numpy

    tokenizer, vocabulary = vocab
    compiled = SchemaConstraint(Formulation.json_schema(), vocabulary)
    budget = compiled.cost(compiled.grammar.initial_state()) + 200
    plans = [RowPlan(max_new_tokens=budget, constraint=RowConstraint(compiled)) for _ in range(6)]
    processor = RowwiseLogitsProcessor(
        plans, prompt_length=1, eos_ids=[vocabulary.eos_id], decode=tokenizer.decode
    )
    rng = torch.Generator().manual_seed(3)
    ids = torch.zeros((len(plans), 1), dtype=torch.long)
    bitmask = llguidance.numpy.allocate_token_bitmask(1, vocabulary.size)
    kept = 0
    for step in range(budget + 1):
        scores = torch.randn((len(plans), vocabulary.size), generator=rng) * 4
        # Half the rows favour one allowed token strongly, as a trained model does.
        expected: dict[int, int] = {}
        for row, plan in enumerate(plans):
            constraint = plan.constraint
            assert constraint is not None
            if plan.finished or not constraint.wants_mask:
                continue
            matcher = constraint.matcher.deep_copy()
            if step > 0:  # the processor takes in the previous token first
                if ids[row, -1].item() == vocabulary.eos_id:
                    continue
                matcher.consume_token(int(ids[row, -1]))
            llguidance.numpy.fill_next_token_bitmask(matcher, bitmask)
            if step % 2 == row % 2:
                allowed = np.flatnonzero(
                    np.unpackbits(bitmask.view(np.uint8), bitorder="little")[: vocabulary.size]
                )
                scores[row, int(allowed[step % len(allowed)])] = 100.0
            masked = scores[row : row + 1].clone()
            apply_bitmask(bitmask, masked)
            expected[row] = int(masked.argmax())
        before = scores.clone()
        chosen = processor(ids, scores).argmax(dim=-1)
        for row, best in expected.items():
            constraint = plans[row].constraint
            assert constraint is not None
            if constraint.closing:
                continue
            token = int(chosen[row])
            if token == best or constraint.fits(best, budget - step - 1):
                assert token == best  # the best allowed token, whenever it fits
                kept += torch.equal(scores[row], before[row])
        ids = torch.cat([ids, chosen[:, None]], dim=1)
    assert kept > 0  # some rows were decided without masking their scores
    for row in ids.tolist():
        generated = row[1:]
        length = generated.index(vocabulary.eos_id)
        data = b"".join(vocabulary.token_bytes[t] or b"" for t in generated[:length])
        assert_valid(json.loads(data), Formulation.json_schema())


def test_plain_text_inside_a_string_skips_the_grammar_with_the_same_answer(
    vocab: tuple[Any, TokenVocabulary],
) -> None:
    """Where JsonGrammar.keeps_plain_text holds (in strings and free map keys), a plain token leaves
    the state and its cost as they are: what stepping the grammar through its characters gives."""
    tokenizer, vocabulary = vocab
    schema = SchemaConstraint(Formulation.json_schema(), vocabulary)
    plain = [t for t in range(vocabulary.size) if vocabulary.plain[t]]
    rng = np.random.default_rng(0)
    checked: dict[str, int] = {}
    for _, text in formulation_examples()[:3]:
        row = RowConstraint(schema)
        for token in tokenizer.encode(text, add_special_tokens=False):
            if row._in_plain_text:
                for other in rng.choice(plain, 20):
                    stepped = schema.advance(row.state, b"", vocabulary.token_bytes[other] or b"")
                    assert stepped == (row.state, b"")
                    assert row.fits(int(other), row.cost()) and not row.fits(
                        int(other), row.cost() - 1
                    )
                    kind = "key" if row.state[0][-1][0] == 0 else "string"  # object frame: a key
                    checked[kind] = checked.get(kind, 0) + 1
            assert row.fits(token, 10**6)
            row.accept(token)
        assert row.is_complete()
    assert checked["string"] > 100 and checked["key"] > 10
    # Not plain: a quote, a backslash, a control character, a character split across tokens.
    for token, data in enumerate(vocabulary.token_bytes):
        if data and (_is_partial_utf8(data) or any(b in b'"\\' or b < 0x20 for b in data)):
            assert not vocabulary.plain[token], data


@pytest.mark.parametrize("name", VOCABULARIES)
def test_a_tiny_model_with_a_real_vocabulary_loads_its_tokenizer_back(
    name: str, tmp_path: Path
) -> None:
    """What the e2e benchmark decodes with: token bytes as the real tokenizer has them (next to a
    Qwen2 config transformers read Mistral's as byte-level, and most tokens came back garbled)."""
    from tiny_hf_model import build_tiny_model
    from transformers import AutoTokenizer

    try:
        original = real_tokenizer(name)
    except ImportError as exc:
        pytest.skip(f"{name} vocabulary needs pip install 'optmodel[realvocab]' ({exc})")
    directory = build_tiny_model(tmp_path, tokenizer=original)
    loaded = AutoTokenizer.from_pretrained(directory)
    sample = range(0, len(original), 97)
    vocabularies = [
        TokenVocabulary.from_tokenizer(t, len(original), [t.eos_token_id])
        for t in (original, loaded)
    ]
    assert [vocabularies[0].token_bytes[i] for i in sample] == [
        vocabularies[1].token_bytes[i] for i in sample
    ]
