"""Schema-constrained decoding: llguidance builds the token masks, our grammar keeps each document in budget.

Per JSON schema, :class:`SchemaConstraint` holds llguidance's compiled matcher (compact JSON, keys in the
schema's order, ``required`` enforced, a mask over the whole vocabulary in tens of microseconds) and our
:class:`JsonGrammar`, which accepts keys in any order and knows the shortest completion, in UTF-8 bytes, of
every state. Per row, :class:`RowConstraint` follows both, byte by byte, so a character split across byte
tokens is fine. Before a token is taken the decoder asks :meth:`RowConstraint.fits`: the token must be
valid for our grammar too and leave a completion that fits in the tokens left. When no candidate fits, the
row *closes*: :meth:`RowConstraint.forced_token` walks it along the shortest completion, one character (or
one byte token) per step, so every document ends complete within ``max_tokens``: a byte costs at most one
token, as byte-level and byte-fallback vocabularies have a token for every byte.

Why llguidance and not our earlier mask engine: on the Llama 3 vocabulary (128,256 tokens) ours took
1.9 ms per token on a first document (p99 23 ms, worst state 0.5 s); llguidance takes tens of
microseconds (``benchmarks/llm_throughput.py --masks``). xgrammar is about as fast but installs triton and
a torch requirement of its own.

Memory: each schema's memo tables hold at most half of ``memory_mib`` (the oldest half is evicted when
full) and llguidance's lexer at most the other half (it stops the matcher, and the row closes, past that).
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Generic, TypeVar

from optmodel.errors import MissingExtraError
from optmodel.llm.providers.json_grammar import JsonGrammar, State

K = TypeVar("K")
V = TypeVar("V")
#: A row's grammar state and unfinished character after a token, and its shortest completion's cost.
After = tuple[State, bytes, int]
_UNKNOWN = object()

# Sizes that turn a memory budget into entry counts: a memo entry measured ~250 bytes (tracemalloc,
# replaying the example Formulations), counted as 1 KiB to keep a margin.
_BYTES_PER_MEMO_ENTRY = 1024
_BYTES_PER_LEXER_STATE = 2048  # llguidance's own estimate: 1-2 kB per lexer state
_POOL_MIN_CORES = 4
_ASCII = [chr(c) for c in range(0x20, 0x7F)]
_CLOSERS = list('"}],0:1')
_STRING_SPECIAL = re.compile(r'["\\\x00-\x1f]')


def import_llguidance() -> Any:
    try:
        import llguidance
    except ImportError as exc:
        raise MissingExtraError("llguidance", "hf", "JSON-schema constrained decoding") from exc
    return llguidance


@cache
def mask_executor() -> Any:
    """llguidance's thread pool that fills a batch's masks in parallel (one per process); None where
    the machine has too few cores for a pool to run beside the model (fewer than 4)."""
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    if cores < _POOL_MIN_CORES:
        return None
    return import_llguidance().LLExecutor()


class _Memo(Generic[K, V]):
    """A dict of at most ``limit`` entries; when full, the oldest half goes."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 16)
        self.data: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self.data.get(key)

    def put(self, key: K, value: V) -> None:
        if len(self.data) >= self.limit:
            for old in list(self.data)[: self.limit // 2]:
                del self.data[old]
        self.data[key] = value


class TokenVocabulary:
    """The bytes of every token (None for special tokens) and llguidance's view of the same tokenizer."""

    def __init__(self, token_bytes: Sequence[bytes | None], ll_tokenizer: Any, eos_id: int) -> None:
        self.token_bytes = list(token_bytes)
        self.size = len(self.token_bytes)
        self.ll_tokenizer = ll_tokenizer
        self.eos_id = eos_id
        self._ids: dict[bytes, int] = {}
        for token_id, data in enumerate(self.token_bytes):
            if data:
                self._ids.setdefault(data, token_id)
        #: Per token: whole characters, none of them a quote, backslash or control character. Inside a
        #: string or a free key such a token changes nothing the grammar tracks (keeps_plain_text).
        self.plain = [data is not None and _is_plain_text(data) for data in self.token_bytes]

    @classmethod
    def from_tokenizer(cls, tokenizer: Any, size: int, eos_ids: Sequence[int]) -> TokenVocabulary:
        """Wrap a fast Hugging Face tokenizer; ``size`` is the model's output rows (padding included).

        A tokenizer with more tokens than the model has rows keeps them all here; the model never
        scores the extra ones, so they are never picked.
        """
        import_llguidance()
        from llguidance.hf import from_tokenizer

        size = max(size, len(tokenizer))
        ll_tokenizer = from_tokenizer(tokenizer, n_vocab=size, eos_token=list(eos_ids))
        token_bytes = [
            None if ll_tokenizer.is_special_token(i) else ll_tokenizer.decode_bytes([i]) or None
            for i in range(size)
        ]
        return cls(token_bytes, ll_tokenizer, eos_ids[0])

    def byte_token(self, byte: int) -> int | None:
        return self._ids.get(bytes([byte]))

    def tokens_for(self, char: str) -> list[int] | None:
        """Tokens that spell ``char``: its own token, else one token per byte (None if neither exists)."""
        data = char.encode("utf-8")
        whole = self._ids.get(data)
        if whole is not None:
            return [whole]
        parts = [self.byte_token(b) for b in data]
        return None if None in parts else parts  # type: ignore[return-value]


class SchemaConstraint:
    """One JSON schema compiled for one vocabulary; shared by every row that decodes under it."""

    def __init__(
        self, schema: dict[str, Any], vocabulary: TokenVocabulary, memory_mib: int = 256
    ) -> None:
        llguidance = import_llguidance()
        self.grammar = JsonGrammar(schema)  # ValueError for schemas we do not support
        self.vocabulary = vocabulary
        budget = memory_mib * 2**20 // 2
        grammar_text = llguidance.LLMatcher.grammar_from_json_schema(
            schema, defaults={"whitespace_flexible": False, "lenient": True}
        )
        limits = llguidance.LLParserLimits(
            max_lexer_states=max(budget // _BYTES_PER_LEXER_STATE, 1)
        )
        self.template = llguidance.LLMatcher(
            vocabulary.ll_tokenizer, grammar_text, log_level=0, limits=limits
        )
        if self.template.is_error():
            raise ValueError(f"llguidance: {self.template.get_error()}")
        # The first mask of a schema builds llguidance's lexer for the start state (~3 ms on Llama 3):
        # paid here, not in a decoding step (row matchers are copies sharing that lexer).
        self.template.deep_copy().compute_bitmask()
        entries = budget // _BYTES_PER_MEMO_ENTRY
        self._steps: _Memo[tuple[State, str], State | None] = _Memo(entries // 3)
        self._costs: _Memo[State, int] = _Memo(entries // 3)
        # Whole tokens: one lookup per budget check instead of one grammar step per character.
        self._tokens: _Memo[tuple[State, bytes, int], After | None] = _Memo(entries // 3)
        self._closers: _Memo[State, list[int]] = _Memo(entries // 8)
        chars = {c for n in self.grammar.graph.nodes for t in (*n.keys, *n.literals) for c in t}
        # Closing characters, the usual ends of a JSON value first (tried in this order).
        self.closing_chars = list(dict.fromkeys([*_CLOSERS, *_ASCII, *sorted(chars)]))
        # The vocabulary's and the grammar's tables are young objects here: the collector's first
        # young-generation pass during decoding would walk them (a 2-3 ms step on Llama 3's 128k
        # tokens). A full pass now moves them to the old generation and resets its count, so the
        # next full pass (measured: 0.3 s in one step, Mistral vocabulary, fresh process) is far off.
        gc.collect()

    def memo_entries(self) -> int:
        memos = (self._steps, self._costs, self._tokens, self._closers)
        return sum(len(memo.data) for memo in memos)

    def after_token(self, state: State, pending: bytes, token: int) -> After | None:
        """Where ``token`` leads from (``state``, ``pending``), with the tokens the shortest completion
        then needs at most; None if the grammar refuses it (or it has no bytes)."""
        key = (state, pending, token)
        found = self._tokens.data.get(key, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        vocabulary = self.vocabulary
        data = vocabulary.token_bytes[token] if 0 <= token < vocabulary.size else None
        moved = None if data is None else self.advance(state, pending, data)
        after = None if moved is None else (*moved, self.cost(moved[0]) + _bytes_missing(moved[1]))
        self._tokens.put(key, after)
        return after

    def step(self, state: State, char: str) -> State | None:
        key = (state, char)
        if key in self._steps.data:
            return self._steps.data[key]
        after = self.grammar.feed(state, char)
        self._steps.put(key, after)
        return after

    def cost(self, state: State) -> int:
        """Bytes of the shortest completion of ``state``."""
        value = self._costs.get(state)
        if value is None:
            value = self.grammar.min_bytes_to_finish(state)
            self._costs.put(state, value)
        return value

    def closing_tokens(self, state: State) -> list[int]:
        """Tokens of the first character of a shortest completion of ``state`` ([] if none is spelt)."""
        cached = self._closers.get(state)
        if cached is not None:
            return cached
        best: tuple[int, list[int]] = (10**9, [])
        lowest = self.cost(state)
        # The schema's own next characters first: a shortest completion usually starts with one, and
        # the search stops there instead of trying most of the closing characters.
        hints = self.grammar.structural_chars(state)
        for char in dict.fromkeys([*hints, *self.closing_chars]) if hints else self.closing_chars:
            after = self.step(state, char)
            tokens = None if after is None else self.vocabulary.tokens_for(char)
            if after is None or tokens is None:
                continue
            total = len(tokens) + self.cost(after)
            if total < best[0]:
                best = (total, tokens)
                if total <= lowest:  # no completion is shorter than the cost
                    break
        self._closers.put(state, best[1])
        return best[1]

    def advance(self, state: State, pending: bytes, data: bytes) -> tuple[State, bytes] | None:
        """Feed ``data`` after ``pending`` (an unfinished UTF-8 character); None if the grammar refuses."""
        buffer = pending + data
        cut = _complete_utf8_prefix(buffer)
        try:
            text = buffer[:cut].decode("utf-8")
        except UnicodeDecodeError:
            return None
        for char in text:
            after = self.step(state, char)
            if after is None:
                return None
            state = after
        return state, buffer[cut:]


class RowConstraint:
    """One row's progress under a schema: llguidance's matcher, our grammar state, the closing plan."""

    def __init__(self, schema: SchemaConstraint) -> None:
        self.schema = schema
        self.matcher = schema.template.deep_copy()
        self.closing = False
        self.broken = False  # a token the grammar refuses was taken: cannot happen through fits()
        self._forced: list[int] = []
        self._checked: tuple[int, After] | None = None
        initial = schema.grammar.initial_state()
        self._move((initial, b"", schema.cost(initial)))

    def _move(self, after: After) -> None:
        self.state, self.pending, self._cost = after
        # Inside a string or a free map key most tokens change nothing we track: fits() and accept()
        # then skip the token memo and, on a state's first visit, stepping the grammar per character
        # (most of a cold document's grammar work; profiled on Mistral, batch 32).
        self._in_plain_text = not self.pending and self.schema.grammar.keeps_plain_text(self.state)

    def _keeps_state(self, token: int) -> bool:
        vocabulary = self.schema.vocabulary
        return self._in_plain_text and 0 <= token < vocabulary.size and vocabulary.plain[token]

    @property
    def wants_mask(self) -> bool:
        return not (self.closing or self.broken)

    def cost(self) -> int:
        """Tokens the shortest completion needs at most (its bytes, the unfinished character's included)."""
        return self._cost

    def is_complete(self) -> bool:
        return not self.pending and self.schema.grammar.is_complete(self.state)

    def fits(self, token: int, tokens_left_after: int) -> bool:
        """Whether ``token`` is valid here and the document can still close in the tokens left after it."""
        if self._keeps_state(token):
            return self._cost <= tokens_left_after
        if token == self.schema.vocabulary.eos_id:
            return self.is_complete()
        after = self.schema.after_token(self.state, self.pending, token)
        if after is None or after[2] > tokens_left_after:
            return False
        self._checked = (token, after)
        return True

    def accept(self, token: int) -> None:
        """Take in the token the decoder produced (EOS is the decoder's business)."""
        checked, self._checked = self._checked, None
        if not self._keeps_state(token):
            if checked is not None and checked[0] == token:
                after: After | None = checked[1]
            else:
                after = self.schema.after_token(self.state, self.pending, token)
            if after is None:
                self.broken = True
                return
            self._move(after)
        if not self.closing and not self.matcher.consume_token(token):
            self.close()  # llguidance gave up (resource limit): finish on our grammar alone

    def close(self) -> None:
        self.closing = True

    def forced_token(self) -> int:
        """The next token of the shortest completion (EOS once the document is complete)."""
        if not self._forced:
            self._forced = self._plan_next_char()
        return self._forced.pop(0) if self._forced else self.schema.vocabulary.eos_id

    def _plan_next_char(self) -> list[int]:
        schema, vocabulary = self.schema, self.schema.vocabulary
        if self.pending:  # finish the split character first, with any valid continuation
            for full in self._pending_completions():
                rest = full[len(self.pending) :]
                parts = [vocabulary.byte_token(b) for b in rest]
                if None not in parts and schema.advance(self.state, self.pending, rest) is not None:
                    return parts  # type: ignore[return-value]
            self.broken = True
            return []
        if schema.grammar.is_complete(self.state):
            return []
        tokens = list(schema.closing_tokens(self.state))  # a copy: the caller pops from it
        self.broken = not tokens
        return tokens

    def _pending_completions(self) -> list[bytes]:
        """Whole characters that start with the pending bytes: the schema's own first, then fillers."""
        found = [
            c.encode() for c in self.schema.closing_chars if c.encode().startswith(self.pending)
        ]
        missing = _bytes_missing(self.pending)
        for second in (0x80, 0x90, 0xA0):  # some lead bytes restrict the next byte's range
            full = (self.pending + bytes([second]) + b"\x80" * 3)[: len(self.pending) + missing]
            try:
                full.decode("utf-8")
            except UnicodeDecodeError:
                continue
            found.append(full)
        return found


def _is_plain_text(data: bytes) -> bool:
    if not data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _STRING_SPECIAL.search(text) is None


def _complete_utf8_prefix(data: bytes) -> int:
    """Length of the longest prefix of ``data`` that does not end inside a multi-byte character."""
    start = len(data) - 1
    while start >= 0 and len(data) - start <= 3 and 0x80 <= data[start] < 0xC0:
        start -= 1
    if start < 0:
        return len(data)
    return start if len(data) - start < _utf8_width(data[start]) else len(data)


def _utf8_width(lead: int) -> int:
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _bytes_missing(pending: bytes) -> int:
    return _utf8_width(pending[0]) - len(pending) if pending else 0
