"""Token masks must equal feeding every token through the automaton one by one."""

from __future__ import annotations

import json
import random
import string

from optmodel.llm.providers.json_grammar import JsonGrammar
from optmodel.llm.providers.token_constraint import GrammarMasks, TokenVocabulary

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 5},
        "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        "mode": {"enum": ["fast", "fair"]},
        "xs": {"type": "array", "items": {"type": "number"}},
    },
    "required": ["name", "mode"],
    "additionalProperties": False,
}


def synthetic_vocabulary(size: int, seed: int = 0) -> list[str | None]:
    rng = random.Random(seed)
    texts: set[str] = set(string.ascii_letters + string.digits + ' {}[]",:.-_\\/')
    pieces = ['"', '",', '":', "{", "[", " ", "", "", '\\"', "\n"]
    while len(texts) < size:
        body = "".join(
            rng.choice(string.ascii_lowercase + "019 ") for _ in range(rng.randint(1, 7))
        )
        texts.add(rng.choice(pieces) + body + rng.choice(pieces))
    return [None, *sorted(texts)]  # id 0 stands for a special token: never allowed


def test_masks_equal_brute_force_along_a_document() -> None:
    texts = synthetic_vocabulary(1500)
    grammar = JsonGrammar(SCHEMA)
    masks = GrammarMasks(grammar, TokenVocabulary(texts))
    document = '{"name": "ab", "tags": {"x y": 10, "z": -2}, "xs": [1.5, 2], "mode": "fair"}'
    state = grammar.initial_state()
    for char in document:
        choices = masks.choices(state)
        expected = {}
        for token_id, text in enumerate(texts):
            after = grammar.feed_text(state, text) if text else None
            if after is not None:
                expected[token_id] = grammar.min_chars_to_finish(after)
        assert dict(zip(choices.ids.tolist(), choices.costs.tolist(), strict=True)) == expected
        assert choices.eos_allowed == grammar.is_complete(state)
        next_state = grammar.feed(state, char)
        assert next_state is not None
        state = next_state
    assert grammar.is_complete(state) and json.loads(document)["mode"] == "fair"


def test_vocabulary_keeps_token_text_exactly() -> None:
    vocab = TokenVocabulary([None, "ab", ' "x', "", "\ufffd"])
    assert vocab.sorted_texts == [' "x', "ab", "\ufffd"]
    assert vocab.special_texts == [' "x']
    assert sorted(vocab.plain_ids.tolist()) == [1, 4]
