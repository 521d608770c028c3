"""Token masks from a JSON grammar: which vocabulary tokens keep the output a valid (prefix of a) document.

A mask is found by walking the vocabulary sorted by text, sharing the automaton's work between tokens with
a common prefix and skipping every token that starts with a rejected prefix. Masks are cached per automaton
state. Inside a string, ordinary text tokens are accepted in bulk and only tokens holding a quote, a
backslash or a control character are walked, which keeps large (150k-token) vocabularies fast.

Each allowed token comes with the length of the shortest completion after it, so a decoder can keep
``completion length <= tokens left`` and always closes the document before ``max_new_tokens`` (this
assumes the vocabulary has a one-character token for each character of the schema's keys and literals,
true of byte-level BPE vocabularies).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optmodel.llm.providers.json_grammar import JsonGrammar, State

_MAX_CHAR = "\U0010ffff"


def _is_plain(text: str) -> bool:
    return all(ch not in '"\\' and ord(ch) >= 0x20 for ch in text)


def _plain_tail(text: str) -> int:
    """Index from which the rest of ``text`` is plain string content."""
    for pos in range(len(text) - 1, -1, -1):
        if text[pos] in '"\\' or ord(text[pos]) < 0x20:
            return pos + 1
    return 0


class TokenVocabulary:
    """The decoded text of every usable token; ``None`` marks special, empty or partial-UTF-8 tokens."""

    def __init__(self, texts: Sequence[str | None]) -> None:
        self.size = len(texts)
        usable = sorted((t, i) for i, t in enumerate(texts) if t)
        self.texts: list[str | None] = list(texts)
        self.sorted_texts = [t for t, _ in usable]
        self.sorted_ids = [i for _, i in usable]
        special = [(t, i) for t, i in usable if not _is_plain(t)]
        self.special_texts = [t for t, _ in special]
        self.special_ids = [i for _, i in special]
        # Where each sorted token's plain tail starts (after its last quote/backslash/control char).
        self.sorted_tails = [_plain_tail(t) for t in self.sorted_texts]
        self.special_tails = [_plain_tail(t) for t in self.special_texts]
        plain = [(i, len(t)) for t, i in usable if _is_plain(t)]
        self.plain_ids = np.array([i for i, _ in plain], dtype=np.int64)
        self.plain_lengths = np.array([n for _, n in plain], dtype=np.int64)

    @classmethod
    def from_tokenizer(cls, tokenizer: Any, size: int) -> TokenVocabulary:
        """Decode each of ``size`` token ids of a Hugging Face tokenizer.

        Each token is decoded after an anchor token and the anchor's text removed, so SentencePiece
        tokens keep their leading space (decoding a lone token drops it).
        """
        anchor = tokenizer.encode("a", add_special_tokens=False)[:1]
        anchor_text = tokenizer.decode(anchor, clean_up_tokenization_spaces=False)
        known = min(size, len(tokenizer))
        decoded = tokenizer.batch_decode(
            [[*anchor, i] for i in range(known)], clean_up_tokenization_spaces=False
        )
        special = set(tokenizer.all_special_ids)
        texts: list[str | None] = []
        for i, text in enumerate(decoded):
            piece = text[len(anchor_text) :] if text.startswith(anchor_text) else None
            if i in special or not piece or "\ufffd" in piece:
                piece = None
            texts.append(piece)
        texts.extend(
            [None] * (size - known)
        )  # model rows beyond the tokenizer (padding) never match
        return cls(texts)


@dataclass(frozen=True)
class TokenChoices:
    """Tokens allowed in one state, each with the shortest completion length after it."""

    ids: np.ndarray
    costs: np.ndarray
    eos_allowed: bool


class GrammarMasks:
    """Per-grammar caches: state transitions and the token choices of each state seen so far."""

    def __init__(
        self, grammar: JsonGrammar, vocabulary: TokenVocabulary, max_states: int = 4096
    ) -> None:
        self.grammar = grammar
        self.vocabulary = vocabulary
        self._choices: OrderedDict[State, TokenChoices] = OrderedDict()
        self._max_states = max_states
        self._steps: dict[tuple[State, str], State | None] = {}
        self._costs: dict[State, int] = {}
        self._rooms: dict[State, tuple[int, int] | None] = {}

    def step(self, state: State, char: str) -> State | None:
        """``grammar.feed`` with a memo (tokens share many transitions)."""
        key = (state, char)
        if key not in self._steps:
            if len(self._steps) > 500_000:
                self._steps.clear()
            self._steps[key] = self.grammar.feed(state, char)
        return self._steps[key]

    def cost(self, state: State) -> int:
        """``grammar.min_chars_to_finish`` with a memo."""
        value = self._costs.get(state)
        if value is None:
            if len(self._costs) > 500_000:
                self._costs.clear()
            value = self._costs[state] = self.grammar.min_chars_to_finish(state)
        return value

    def advance(self, state: State, token_id: int) -> State | None:
        """The state after a whole token, or None if the token is not allowed there."""
        text = self.vocabulary.texts[token_id] if token_id < self.vocabulary.size else None
        if not text:
            return None
        current: State | None = state
        for char in text:
            if current is None:
                return None
            current = self.step(current, char)
        return current

    def choices(self, state: State) -> TokenChoices:
        """Allowed tokens in ``state`` (cached, least recently used evicted)."""
        cached = self._choices.get(state)
        if cached is not None:
            self._choices.move_to_end(state)
            return cached
        result = self._compute(state)
        self._choices[state] = result
        if len(self._choices) > self._max_states:
            self._choices.popitem(last=False)
        return result

    def _compute(self, state: State) -> TokenChoices:
        vocab = self.vocabulary
        string_room = self.grammar.plain_string_room(state)
        if string_room is None:
            ids, costs = self._walk(vocab.sorted_texts, vocab.sorted_ids, vocab.sorted_tails, state)
        else:
            room, still_needed = string_room
            fits = vocab.plain_lengths <= room
            plain_ids = vocab.plain_ids[fits]
            plain_costs = self.cost(state) - np.minimum(vocab.plain_lengths[fits], still_needed)
            other_ids, other_costs = self._walk(
                vocab.special_texts, vocab.special_ids, vocab.special_tails, state
            )
            ids = np.concatenate([plain_ids, other_ids])
            costs = np.concatenate([plain_costs, other_costs])
        return TokenChoices(ids=ids, costs=costs, eos_allowed=self.grammar.is_complete(state))

    def _string_room(self, state: State) -> tuple[int, int] | None:
        if state not in self._rooms:
            if len(self._rooms) > 500_000:
                self._rooms.clear()
            self._rooms[state] = self.grammar.plain_string_room(state)
        return self._rooms[state]

    def _walk(
        self, texts: Sequence[str], ids: Sequence[int], tails: Sequence[int], start: State
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feed every token text (sorted) from ``start``; return the accepted ids and completion costs."""
        found_ids: list[int] = []
        found_costs: list[int] = []
        states = [start]  # states[j] is the state after the first j characters of `previous`
        previous = ""
        i, n = 0, len(texts)
        while i < n:
            text = texts[i]
            shared, limit = 0, min(len(previous), len(text), len(states) - 1)
            while shared < limit and previous[shared] == text[shared]:
                shared += 1
            del states[shared + 1 :]
            accepted, prefix_dead, cost = True, False, -1
            for pos in range(shared, len(text)):
                if pos >= tails[i]:  # the rest is plain text: inside a string, take it whole
                    room = self._string_room(states[-1])
                    if room is not None:
                        rest = len(text) - pos
                        accepted = rest <= room[0]  # a shorter token may still fit: no skipping
                        cost = self.cost(states[-1]) - min(rest, room[1])
                        break
                nxt = self.step(states[-1], text[pos])
                if nxt is None:
                    accepted, prefix_dead = False, True
                    break
                states.append(nxt)
            previous = text
            if accepted:
                found_ids.append(ids[i])
                found_costs.append(cost if cost >= 0 else self.cost(states[-1]))
                i += 1
            elif prefix_dead:  # every token starting with the rejected prefix is rejected too
                i = bisect_left(texts, text[: len(states)] + _MAX_CHAR, i + 1)
            else:
                i += 1
        return np.array(found_ids, dtype=np.int64), np.array(found_costs, dtype=np.int64)
