"""The JSON-Schema automaton: accepts exactly the valid compact documents and can always finish in budget."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from schema_check import assert_valid, schema_errors

from optmodel.llm.providers.json_grammar import JsonGrammar

TASK = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["min", "max"]},
        "flag": {"type": "boolean"},
        "count": {"type": "integer"},
        "name": {"type": "string", "maxLength": 6},
        "weights": {"type": "array", "items": {"type": "number"}, "maxItems": 3},
        "note": {"anyOf": [{"type": "string", "minLength": 2}, {"type": "null"}]},
    },
    "required": ["kind", "flag", "count", "name", "weights"],
    "additionalProperties": False,
}
# The shape pydantic emits: $defs, $ref, recursion, Optional as anyOf-with-null, free-form dicts.
PYDANTIC_LIKE = {
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                "meta": {
                    "anyOf": [
                        {"type": "object", "additionalProperties": {"type": "integer"}},
                        {"type": "null"},
                    ]
                },
            },
            "required": ["label"],
            "additionalProperties": False,
        }
    },
    "type": "object",
    "properties": {"root": {"$ref": "#/$defs/Node"}, "tag": {"const": "tree"}},
    "required": ["root", "tag"],
}
SCHEMAS = [
    TASK,
    PYDANTIC_LIKE,
    {"type": ["integer", "null"]},
    {},
    {"type": "array", "minItems": 2, "items": {"type": "boolean"}},
]
ALPHABET = [*list('{}[]",: -.0123456789eE+abcdefghijklmnopqrstuvwxyz\\/_ABCDEFtrufalsn'), "é", "\t"]


def accepts(grammar: JsonGrammar, text: str) -> bool:
    state = grammar.feed_text(grammar.initial_state(), text)
    return state is not None and grammar.is_complete(state)


@pytest.mark.parametrize(
    "document",
    [
        {"kind": "min", "flag": True, "count": -12, "name": "abc", "weights": [1.5, 2e3, 0]},
        {"weights": [], "name": "", "count": 0, "flag": False, "kind": "max", "note": None},
        {
            "kind": "max",
            "flag": False,
            "count": 7,
            "name": 'a"\\b',
            "weights": [-0.25],
            "note": "hé",
        },
    ],
)
def test_accepts_valid_documents_in_compact_and_spaced_form(document: dict[str, Any]) -> None:
    grammar = JsonGrammar(TASK)
    assert not schema_errors(document, TASK)
    assert accepts(grammar, json.dumps(document, separators=(",", ":"), ensure_ascii=False))
    assert accepts(grammar, json.dumps(document, separators=(", ", ": "), ensure_ascii=False))


@pytest.mark.parametrize(
    "text",
    [
        '{"kind":"min","flag":true,"count":1,"name":"a"}',  # missing required "weights"
        '{"kind":"avg","flag":true,"count":1,"name":"a","weights":[]}',  # not in the enum
        '{"kind":"min","flag":true,"count":1.5,"name":"a","weights":[]}',  # integer expected
        '{"kind":"min","flag":true,"count":1,"name":"toolong","weights":[]}',  # maxLength 6
        '{"kind":"min","flag":true,"count":1,"name":"a","weights":[1,2,3,4]}',  # maxItems 3
        '{"kind":"min","flag":true,"count":1,"name":"a","weights":[],"extra":1}',  # no extra keys
        '{"kind":"min","kind":"min","flag":true,"count":1,"name":"a","weights":[]}',  # duplicate key
        '{"kind":"min","flag":true,"count":01,"name":"a","weights":[]}',  # leading zero
        '{"kind":"min","flag":true,"count":1,"name":"a","weights":[],"note":"x"}',  # minLength 2
        '{ "kind":"min"}',  # whitespace only after ':' and ','
    ],
)
def test_rejects_invalid_documents(text: str) -> None:
    assert not accepts(JsonGrammar(TASK), text)


def test_incomplete_prefix_is_alive_but_not_complete() -> None:
    grammar = JsonGrammar(TASK)
    state = grammar.feed_text(grammar.initial_state(), '{"kind":"mi')
    assert state is not None and not grammar.is_complete(state)
    # closing needs: n" , the other four required entries and }
    assert grammar.min_bytes_to_finish(state) == len(
        'n","flag":true,"count":0,"name":"","weights":[]}'
    )


def test_recursive_refs_and_free_form_keys() -> None:
    grammar = JsonGrammar(PYDANTIC_LIKE)
    document = {
        "tag": "tree",
        "root": {"label": "a", "children": [{"label": "b", "meta": {"x y": 3}}]},
    }
    assert accepts(grammar, json.dumps(document))
    assert not accepts(grammar, json.dumps({**document, "tag": "forest"}))
    assert not accepts(
        grammar, json.dumps({"tag": "tree", "root": {"label": "a", "meta": {"k": "v"}}})
    )


@pytest.mark.parametrize("schema_index", range(len(SCHEMAS)))
def test_random_walks_under_a_budget_always_end_in_a_valid_document(schema_index: int) -> None:
    """What a decoder with random weights does: any allowed character, but never past the budget."""
    schema = SCHEMAS[schema_index]
    grammar = JsonGrammar(schema)
    rng = random.Random(schema_index)
    for _ in range(40):
        budget = rng.randint(grammar.min_bytes_to_finish(grammar.initial_state()), 60)
        state, text = grammar.initial_state(), ""
        while len(text.encode()) < budget:
            if grammar.is_complete(state) and rng.random() < 0.2:
                break
            left = budget - len(text.encode())
            options = []
            for char in ALPHABET:
                nxt = grammar.feed(state, char)
                if nxt is not None and grammar.min_bytes_to_finish(nxt) <= left - len(
                    char.encode()
                ):
                    options.append((char, nxt))
            if not options:
                break
            char, state = rng.choice(options)
            text += char
        assert grammar.is_complete(state), text
        assert len(text.encode()) <= budget
        assert_valid(json.loads(text), schema)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "prefixItems": [{"type": "integer"}]},
        {"allOf": [{"type": "object"}, {"type": "object"}]},
        {"$ref": "https://example.com/schema.json"},
        {"type": "decimal"},
        False,
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A"}},
            "required": ["a"],
            "$defs": {
                "A": {
                    "type": "object",
                    "properties": {"a": {"$ref": "#/$defs/A"}},
                    "required": ["a"],
                }
            },
        },
    ],
)
def test_unsupported_or_impossible_schemas_are_refused_clearly(schema: Any) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        JsonGrammar(schema)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "{"),  # the document's first character
        ('{"k', "i"),  # the next letter of the only key starting with k
        ('{"kind":', '"'),  # the enum's literals start with a quote
        ('{"kind":"m', "ia"),  # min, max
        ('{"kind":"min","flag":', "tf"),  # true, false
        ('{"kind":"min","flag":true,"weights":[', "0"),  # a number starts the array's item
        ('{"kind":"min","flag":true,"note":', '"n'),  # a string or null
        ('{"kind":"min","flag":true,"count":1', ""),  # inside a number: nothing to spell
    ],
)
def test_structural_chars_spell_what_the_schema_expects_next(prefix: str, expected: str) -> None:
    grammar = JsonGrammar(TASK)
    state = grammar.feed_text(grammar.initial_state(), prefix)
    assert state is not None
    hints = grammar.structural_chars(state)
    assert sorted(hints) == sorted(expected)
    for char in hints:  # every hint is a valid next character
        assert grammar.feed(state, char) is not None
