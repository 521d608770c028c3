"""A character-level pushdown automaton that accepts exactly the JSON texts valid for a compiled schema.

States are immutable tuples, so they can key caches: a state is a tuple of alternative stacks (``anyOf``
keeps several alive until the text decides), a stack is a tuple of frames, and the empty stack means "a
complete document". Output is compact JSON: no whitespace except one optional space after ``:`` and ``,``.

:meth:`JsonGrammar.min_bytes_to_finish` gives the length (UTF-8 bytes) of the shortest valid completion of a
state; a decoder uses it to close the document before its token budget runs out.

>>> schema = {"properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": False}
>>> g = JsonGrammar(schema)
>>> g.is_complete(g.feed_text(g.initial_state(), '{"a": 12}'))
True
>>> g.feed_text(g.initial_state(), '{"b"') is None
True
"""

from __future__ import annotations

from typing import Any

from optmodel.llm.providers.json_schema_graph import (
    ANYOF,
    ARRAY,
    ENUM,
    INTEGER,
    NUMBER,
    OBJECT,
    STRING,
    SchemaGraph,
    SchemaNode,
    utf8_length,
)

Frame = tuple[Any, ...]
Stack = tuple[Frame, ...]
State = tuple[Stack, ...]

# Frame tags.
_OBJ, _ARR, _STR, _NUM, _LIT = range(5)
# Object phases: after '{' | in a key | before ':' | before a value (space ok) | before a value |
# after a value | after ',' (space ok) | after ', '.
_O_START, _O_KEY, _O_COLON, _O_VAL, _O_VAL_SP, _O_AFTER, _O_COMMA, _O_COMMA_SP = range(8)
# Array phases: after '[' | after a value | after ',' (space ok) | after ', '.
_A_START, _A_AFTER, _A_COMMA, _A_COMMA_SP = range(4)
# Number phases, and the characters still needed to end a number from each.
_N_MINUS, _N_ZERO, _N_INT, _N_DOT, _N_FRAC, _N_E, _N_ESIGN, _N_EXP = range(8)
_NUMBER_NEEDS = (1, 0, 0, 1, 0, 1, 1, 0)
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_STARTS = {OBJECT: "{", ARRAY: "[", STRING: '"', NUMBER: "0", INTEGER: "0"}


class JsonGrammar:
    """Accepts the compact JSON texts that validate against ``schema`` (see json_schema_graph for the subset)."""

    def __init__(self, schema: dict[str, Any] | bool) -> None:
        self.graph = SchemaGraph(schema)
        self._key_prefixes: dict[int, dict[str, int]] = {}

    # -- public API ----------------------------------------------------------------------------------

    def initial_state(self) -> State:
        """The state before the first character: a value of the root schema is expected."""
        return ((("value", self.graph.root),),)

    def feed(self, state: State, char: str) -> State | None:
        """The state after ``char``, or None if no valid document continues that way."""
        stacks: dict[Stack, None] = {}
        for stack in state:
            for new in self._feed_stack(stack, char):
                stacks[new] = None
        return tuple(stacks) if stacks else None

    def feed_text(self, state: State | None, text: str) -> State | None:
        """Feed every character of ``text``; None as soon as the text leaves the language."""
        for char in text:
            if state is None:
                return None
            state = self.feed(state, char)
        return state

    def is_complete(self, state: State) -> bool:
        """True if the text so far is a whole valid document (it may still be extendable, e.g. ``12``)."""
        return any(self._stack_can_end(stack) for stack in state)

    def min_bytes_to_finish(self, state: State) -> int:
        """UTF-8 bytes of the shortest continuation that makes a complete document."""
        return min(self._stack_cost(stack) for stack in state)

    def keeps_plain_text(self, state: State) -> bool:
        """True if every plain character (not ``"``, ``\\`` or a control character) leaves ``state``
        as it is, in every alternative: inside a string value, not in an escape, with no ``maxLength``
        and its ``minLength`` reached (the count is capped there, see _string_step); or inside a free
        key that no declared key starts like (see _key_step). A decoder can then take such text
        without stepping through it."""
        for stack in state:
            top = stack[-1] if stack else (None,)
            if top[0] == _STR:
                node = self.graph.nodes[top[1]]
                if top[3] != 0 or node.max_length is not None or top[2] < node.min_length:
                    return False
            elif top[0] == _OBJ and top[2] == _O_KEY and top[4] is None:
                if self.graph.nodes[top[1]].additional is None:
                    return False
            else:
                return False
        return bool(state)

    def structural_chars(self, state: State) -> str:
        """Characters the schema may spell next: the next letter of a key or literal, or the first
        character of an expected value. A search hint (the closing plan tries them first), not a check.
        """
        found: list[str] = []
        for stack in state:
            top = stack[-1] if stack else (None,)
            if top[0] == "value":
                found += self._value_starts(top[1])
            elif top[0] == _LIT:
                found += _next_letters(self.graph.nodes[top[1]].literals, top[2])
            elif top[0] == _OBJ:
                _, node_id, phase, seen, key = top
                node = self.graph.nodes[node_id]
                if phase == _O_KEY and key is not None:
                    unseen = [name for i, name in enumerate(node.keys) if not seen >> i & 1]
                    found += _next_letters(unseen, key)
                elif phase in (_O_VAL, _O_VAL_SP):
                    found += self._value_starts(self._value_node(node, key))
            elif top[0] == _ARR and top[2] != _A_AFTER:
                items = self.graph.nodes[top[1]].items
                assert items is not None
                found += self._value_starts(items)
        return "".join(dict.fromkeys(found))

    def _value_starts(self, node_id: int) -> list[str]:
        """The first character of the shortest text of each kind of value ``node_id`` may be."""
        found: list[str] = []
        for alt in self.graph.alternatives(node_id):
            node = self.graph.nodes[alt]
            found += _next_letters(node.literals, "") if node.kind == ENUM else [_STARTS[node.kind]]
        return found

    # -- stepping ------------------------------------------------------------------------------------

    def _feed_stack(self, stack: Stack, char: str) -> list[Stack]:
        if not stack:
            return []
        top, base = stack[-1], stack[:-1]
        tag = top[0]
        if tag == "value":
            return self._start_value(base, top[1], char)
        if tag == _STR:
            return self._string_step(base, top, char)
        if tag == _NUM:
            return self._number_step(base, top, char)
        if tag == _LIT:
            return self._literal_step(base, top, char)
        if tag == _OBJ:
            return self._object_step(base, top, char)
        return self._array_step(base, top, char)

    def _start_value(self, base: Stack, node_id: int, char: str) -> list[Stack]:
        out: list[Stack] = []
        for alt in self.graph.alternatives(node_id):
            node = self.graph.nodes[alt]
            frame: Frame | None = None
            if node.kind == OBJECT and char == "{":
                frame = (_OBJ, alt, _O_START, 0, None)
            elif node.kind == ARRAY and char == "[":
                frame = (_ARR, alt, _A_START, 0)
            elif node.kind == STRING and char == '"':
                frame = (_STR, alt, 0, 0)
            elif node.kind in (NUMBER, INTEGER) and (char == "-" or char in _DIGITS):
                phase = _N_MINUS if char == "-" else _N_ZERO if char == "0" else _N_INT
                frame = (_NUM, node.kind == INTEGER, phase)
            elif node.kind == ENUM and any(text.startswith(char) for text in node.literals):
                frame = (_LIT, alt, char)
            if frame is not None:
                out.append((*base, frame))
        return out

    def _value_done(self, base: Stack) -> list[Stack]:
        """The value on top of ``base`` just ended: move its container past it."""
        if not base:
            return [()]
        parent = base[-1]
        if parent[0] == _OBJ:
            key = parent[4]
            seen = parent[3] | (1 << key if key >= 0 else 0)
            return [(*base[:-1], (_OBJ, parent[1], _O_AFTER, seen, None))]
        node = self.graph.nodes[parent[1]]
        return [(*base[:-1], (_ARR, parent[1], _A_AFTER, min(parent[3] + 1, _count_cap(node))))]

    def _after_value(self, base: Stack, char: str) -> list[Stack]:
        out: list[Stack] = []
        for stack in self._value_done(base):
            out.extend(self._feed_stack(stack, char))
        return out

    def _string_step(self, base: Stack, top: Frame, char: str) -> list[Stack]:
        _, node_id, length, escape = top
        node = self.graph.nodes[node_id]
        cap = max(node.min_length, node.max_length or 0)
        full = node.max_length is not None and length >= node.max_length
        if escape == 0:
            if char == '"':
                return self._value_done(base) if length >= node.min_length else []
            if full or ord(char) < 0x20:
                return []
            if char == "\\":
                return [(*base, (_STR, node_id, length, 1))]
            return [(*base, (_STR, node_id, min(length + 1, cap), 0))]
        if escape == 1:
            if char in '"\\/bfnrt':
                return [(*base, (_STR, node_id, min(length + 1, cap), 0))]
            return [(*base, (_STR, node_id, length, 2))] if char == "u" else []
        if char not in _HEX:
            return []
        if escape == 5:  # fourth hex digit of \uXXXX
            return [(*base, (_STR, node_id, min(length + 1, cap), 0))]
        return [(*base, (_STR, node_id, length, escape + 1))]

    def _number_step(self, base: Stack, top: Frame, char: str) -> list[Stack]:
        _, integer, phase = top
        nxt: int | None = None
        if char in _DIGITS:
            nxt = {
                _N_MINUS: _N_ZERO if char == "0" else _N_INT,
                _N_INT: _N_INT,
                _N_DOT: _N_FRAC,
                _N_FRAC: _N_FRAC,
                _N_E: _N_EXP,
                _N_ESIGN: _N_EXP,
                _N_EXP: _N_EXP,
            }.get(phase)
        elif not integer and char == "." and phase in (_N_ZERO, _N_INT):
            nxt = _N_DOT
        elif not integer and char in "eE" and phase in (_N_ZERO, _N_INT, _N_FRAC):
            nxt = _N_E
        elif char in "+-" and phase == _N_E:
            nxt = _N_ESIGN
        out = [] if nxt is None else [(*base, (_NUM, integer, nxt))]
        if _NUMBER_NEEDS[phase] == 0:
            out.extend(self._after_value(base, char))
        return out

    def _literal_step(self, base: Stack, top: Frame, char: str) -> list[Stack]:
        _, node_id, prefix = top
        literals = self.graph.nodes[node_id].literals
        extended = prefix + char
        out: list[Stack] = []
        if any(text.startswith(extended) for text in literals):
            out.append((*base, (_LIT, node_id, extended)))
        if prefix in literals:
            out.extend(self._after_value(base, char))
        return out

    def _object_step(self, base: Stack, top: Frame, char: str) -> list[Stack]:
        _, node_id, phase, seen, key = top
        node = self.graph.nodes[node_id]
        if phase in (_O_START, _O_AFTER):
            if char == "}" and node.required_bits & ~seen == 0:
                return self._value_done(base)
            if not self._may_add_key(node, seen):
                return []
            if phase == _O_START and char == '"':
                return [(*base, (_OBJ, node_id, _O_KEY, seen, ""))]
            if phase == _O_AFTER and char == ",":
                return [(*base, (_OBJ, node_id, _O_COMMA, seen, None))]
            return []
        if phase in (_O_COMMA, _O_COMMA_SP):
            if char == " " and phase == _O_COMMA:
                return [(*base, (_OBJ, node_id, _O_COMMA_SP, seen, None))]
            return [(*base, (_OBJ, node_id, _O_KEY, seen, ""))] if char == '"' else []
        if phase == _O_KEY:
            return self._key_step(base, node_id, node, seen, key, char)
        if phase == _O_COLON:
            return [(*base, (_OBJ, node_id, _O_VAL, seen, key))] if char == ":" else []
        if char == " " and phase == _O_VAL:
            return [(*base, (_OBJ, node_id, _O_VAL_SP, seen, key))]
        return self._start_value((*base, top), self._value_node(node, key), char)

    def _key_step(
        self, base: Stack, node_id: int, node: SchemaNode, seen: int, prefix: str | None, char: str
    ) -> list[Stack]:
        prefixes = self._prefixes(node_id, node)
        if char == '"':
            if prefix is not None and prefix in node.keys:
                index = node.keys.index(prefix)
                if seen >> index & 1:
                    return []
                return [(*base, (_OBJ, node_id, _O_COLON, seen, index))]
            if node.additional is None:
                return []
            return [(*base, (_OBJ, node_id, _O_COLON, seen, -1))]
        extended = None if prefix is None else prefix + char
        declared = 0 if extended is None else prefixes.get(extended, 0)
        # Free (additional) keys are plain text: no escapes or control characters.
        free_ok = node.additional is not None and char != "\\" and ord(char) >= 0x20
        if declared & ~seen or free_ok:
            return [(*base, (_OBJ, node_id, _O_KEY, seen, extended if declared else None))]
        return []

    def _array_step(self, base: Stack, top: Frame, char: str) -> list[Stack]:
        _, node_id, phase, count = top
        node = self.graph.nodes[node_id]
        assert node.items is not None
        can_add = node.max_items is None or count < node.max_items
        if phase == _A_AFTER:
            if char == "]" and count >= node.min_items:
                return self._value_done(base)
            return [(*base, (_ARR, node_id, _A_COMMA, count))] if char == "," and can_add else []
        if phase == _A_START and char == "]":
            return self._value_done(base) if node.min_items == 0 else []
        if not can_add:
            return []
        if char == " " and phase == _A_COMMA:
            return [(*base, (_ARR, node_id, _A_COMMA_SP, count))]
        return self._start_value((*base, top), node.items, char)

    # -- costs ---------------------------------------------------------------------------------------

    def _stack_can_end(self, stack: Stack) -> bool:
        if not stack:
            return True
        if len(stack) > 1:
            return False
        top = stack[0]
        if top[0] == _NUM:
            return _NUMBER_NEEDS[top[2]] == 0
        return top[0] == _LIT and top[2] in self.graph.nodes[top[1]].literals

    def _stack_cost(self, stack: Stack) -> int:
        if not stack:
            return 0
        total = self._top_cost(stack[-1])
        for frame in stack[:-1]:
            total += self._after_child_cost(frame)
        return total

    def _top_cost(self, frame: Frame) -> int:
        tag = frame[0]
        lengths = self.graph.min_length
        if tag == "value":
            return lengths[frame[1]]
        if tag == _NUM:
            return _NUMBER_NEEDS[frame[2]]
        if tag == _LIT:
            literals = self.graph.nodes[frame[1]].literals
            done = utf8_length(frame[2])
            return min(utf8_length(t) - done for t in literals if t.startswith(frame[2]))
        if tag == _STR:
            _, node_id, length, escape = frame
            pending = 0 if escape == 0 else 1 if escape == 1 else 6 - escape
            done = length + (1 if escape else 0)
            return pending + max(self.graph.nodes[node_id].min_length - done, 0) + 1
        if tag == _ARR:
            node = self.graph.nodes[frame[1]]
            assert node.items is not None
            item = lengths[node.items]
            phase, count = frame[2], frame[3]
            if phase == _A_START:
                return 1 if node.min_items == 0 else node.min_items * (item + 1)
            if phase == _A_AFTER:
                return max(node.min_items - count, 0) * (item + 1) + 1
            need = max(node.min_items - count, 1)
            return need * (item + 1)
        return self._object_cost(frame)

    def _object_cost(self, frame: Frame) -> int:
        _, node_id, phase, seen, key = frame
        node = self.graph.nodes[node_id]
        if phase == _O_START:
            missing = self._missing(node, seen)
            return (
                sum(self.graph.entry_cost(node, i) for i in missing) + max(len(missing) - 1, 0) + 1
            )
        if phase == _O_AFTER:
            return self._close_cost(node, seen)
        if phase in (_O_COMMA, _O_COMMA_SP):
            missing = self._missing(node, seen)
            if missing:
                return sum(self.graph.entry_cost(node, i) for i in missing) + len(missing)
            return self._cheapest_optional_entry(node, seen) + 1
        if phase == _O_KEY:
            return self._key_cost(node, seen, key)
        value = self.graph.min_length[self._value_node(node, key)]
        after = self._close_cost(node, seen | (1 << key if key >= 0 else 0))
        return (1 if phase == _O_COLON else 0) + value + after

    def _key_cost(self, node: SchemaNode, seen: int, prefix: str | None) -> int:
        best = 10**9
        if prefix is not None:
            for i, name in enumerate(node.keys):
                if not seen >> i & 1 and name.startswith(prefix):
                    rest = utf8_length(name) - utf8_length(prefix) + 2
                    rest += self.graph.min_length[node.key_nodes[i]]
                    best = min(best, rest + self._close_cost(node, seen | 1 << i))
        if node.additional is not None:
            # A free key may close now, unless the text so far spells a declared key exactly.
            extra = 1 if prefix is not None and prefix in node.keys else 0
            value = self.graph.min_length[node.additional]
            best = min(best, extra + 2 + value + self._close_cost(node, seen))
        return best

    def _after_child_cost(self, frame: Frame) -> int:
        if frame[0] == _OBJ:
            key = frame[4]
            node = self.graph.nodes[frame[1]]
            return self._close_cost(node, frame[3] | (1 << key if key >= 0 else 0))
        node = self.graph.nodes[frame[1]]
        assert node.items is not None
        return max(node.min_items - frame[3] - 1, 0) * (self.graph.min_length[node.items] + 1) + 1

    def _close_cost(self, node: SchemaNode, seen: int) -> int:
        """Characters to finish an object right after a value: the missing required entries and '}'."""
        missing = self._missing(node, seen)
        return sum(self.graph.entry_cost(node, i) for i in missing) + len(missing) + 1

    def _cheapest_optional_entry(self, node: SchemaNode, seen: int) -> int:
        costs = [self.graph.entry_cost(node, i) for i in range(len(node.keys)) if not seen >> i & 1]
        if node.additional is not None:
            costs.append(3 + self.graph.min_length[node.additional])
        return min(costs)

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _missing(node: SchemaNode, seen: int) -> list[int]:
        pending = node.required_bits & ~seen
        return [i for i in range(len(node.keys)) if pending >> i & 1]

    @staticmethod
    def _may_add_key(node: SchemaNode, seen: int) -> bool:
        return node.additional is not None or any(not seen >> i & 1 for i in range(len(node.keys)))

    def _value_node(self, node: SchemaNode, key: int) -> int:
        if key >= 0:
            return node.key_nodes[key]
        assert node.additional is not None
        return node.additional

    def _prefixes(self, node_id: int, node: SchemaNode) -> dict[str, int]:
        """Every prefix of every declared key, mapped to the bitmask of keys that start with it."""
        table = self._key_prefixes.get(node_id)
        if table is None:
            table = {}
            for i, name in enumerate(node.keys):
                for end in range(1, len(name) + 1):
                    table[name[:end]] = table.get(name[:end], 0) | 1 << i
            self._key_prefixes[node_id] = table
        return table


def _next_letters(texts: Any, prefix: str) -> list[str]:
    """The character after ``prefix`` in each of ``texts`` that extends it."""
    return [t[len(prefix)] for t in texts if len(t) > len(prefix) and t.startswith(prefix)]


def _count_cap(node: SchemaNode) -> int:
    """Array counts above this make no difference, so states stay finite."""
    return max(node.min_items, node.max_items or 0)


__all__ = ["ANYOF", "JsonGrammar", "State"]
