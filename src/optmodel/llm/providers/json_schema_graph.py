"""Compile a JSON Schema into a small graph of nodes that a decoder can follow character by character.

Supported subset (what structured LLM output needs): ``type`` (object, array, string, number, integer,
boolean, null, or a list of these), ``properties``/``required``/``additionalProperties`` (default: extra keys
allowed, with any value), ``items``/``minItems``/``maxItems``, ``minLength``/``maxLength``, ``enum``,
``const``, ``anyOf`` (``oneOf`` is treated as ``anyOf``), a one-element ``allOf``, and local ``$ref``
(``#/$defs/...``, ``#/definitions/...``, recursion included), as pydantic emits them.

Ignored, so not enforced: ``pattern``, ``format``, ``minimum``/``maximum`` and other numeric bounds,
``uniqueItems``. Anything else that changes which documents are valid (``prefixItems``, ``not``,
``if``/``then``, several-element ``allOf``) raises ``ValueError`` rather than being silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OBJECT, ARRAY, STRING, NUMBER, INTEGER, ENUM, ANYOF = (
    "object",
    "array",
    "string",
    "number",
    "integer",
    "enum",
    "anyof",
)
_UNSUPPORTED = ("prefixItems", "not", "if", "then", "else", "patternProperties", "dependentSchemas")
_INFINITE = 10**9


@dataclass(frozen=True)
class SchemaNode:
    """One schema in the graph. Child schemas are referred to by node id (an index into the graph)."""

    kind: str
    # object: keys are stored JSON-escaped (as they appear between the quotes in the output)
    keys: tuple[str, ...] = ()
    key_nodes: tuple[int, ...] = ()
    required_bits: int = 0
    additional: int | None = None
    # array
    items: int | None = None
    min_items: int = 0
    max_items: int | None = None
    # string
    min_length: int = 0
    max_length: int | None = None
    # enum (also boolean and null): the JSON text of each allowed value
    literals: tuple[str, ...] = ()
    # anyof
    options: tuple[int, ...] = ()


def utf8_length(text: str) -> int:
    """Lengths are counted in UTF-8 bytes: a byte-level vocabulary spells any text in at most that many tokens."""
    return len(text.encode("utf-8", "surrogatepass"))


def literal_text(value: Any) -> str:
    """Compact JSON text of an enum/const value, as the decoder must emit it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class SchemaGraph:
    """A JSON Schema compiled to nodes, with the shortest JSON text (in UTF-8 bytes) of each node precomputed."""

    def __init__(self, schema: dict[str, Any] | bool) -> None:
        self._root_schema = schema
        self.nodes: list[SchemaNode] = []
        self._refs: dict[str, int] = {}
        self._any: int | None = None
        self.root = self._compile(schema, "#")
        self.min_length = self._min_lengths()
        if self.min_length[self.root] >= _INFINITE:
            raise ValueError(
                "the JSON Schema admits no finite document (a required field recurses forever)"
            )
        self._alternatives: dict[int, tuple[int, ...]] = {}

    # -- compilation -------------------------------------------------------------------------------

    def _reserve(self) -> int:
        self.nodes.append(SchemaNode(kind=ANYOF))
        return len(self.nodes) - 1

    def _compile(self, schema: Any, path: str) -> int:
        if schema is True or schema == {}:
            return self._any_node()
        if schema is False:
            raise ValueError(f"{path}: schema `false` admits no value")
        if not isinstance(schema, dict):
            raise ValueError(f"{path}: a schema must be an object or a boolean, got {schema!r}")
        if "$ref" in schema:
            return self._compile_ref(schema["$ref"], path)
        for keyword in _UNSUPPORTED:
            if keyword in schema:
                raise ValueError(f"{path}: JSON Schema keyword {keyword!r} is not supported")
        if "const" in schema:
            return self._add(SchemaNode(kind=ENUM, literals=(literal_text(schema["const"]),)))
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise ValueError(f"{path}/enum: must be a non-empty list")
            return self._add(
                SchemaNode(kind=ENUM, literals=tuple(dict.fromkeys(map(literal_text, values))))
            )
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._compile_options(schema[keyword], f"{path}/{keyword}")
        if "allOf" in schema:
            parts = schema["allOf"]
            if not isinstance(parts, list) or len(parts) != 1:
                raise ValueError(f"{path}/allOf: only a one-element allOf is supported")
            return self._compile(parts[0], f"{path}/allOf/0")
        kind = schema.get("type")
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema or "required" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return self._any_node()
        if isinstance(kind, list):
            if not kind:
                raise ValueError(f"{path}/type: an empty type list admits no value")
            return self._compile_options([{**schema, "type": k} for k in kind], f"{path}/type")
        return self._compile_typed(schema, kind, path)

    def _compile_typed(self, schema: dict[str, Any], kind: Any, path: str) -> int:
        if kind == "object":
            return self._compile_object(schema, path)
        if kind == "array":
            slot = self._reserve()
            items = self._compile(schema.get("items", True), f"{path}/items")
            min_items, max_items = _bounds(schema, "minItems", "maxItems", path)
            self.nodes[slot] = SchemaNode(
                kind=ARRAY, items=items, min_items=min_items, max_items=max_items
            )
            return slot
        if kind == "string":
            min_length, max_length = _bounds(schema, "minLength", "maxLength", path)
            return self._add(SchemaNode(kind=STRING, min_length=min_length, max_length=max_length))
        if kind in ("number", "integer"):
            return self._add(SchemaNode(kind=NUMBER if kind == "number" else INTEGER))
        if kind == "boolean":
            return self._add(SchemaNode(kind=ENUM, literals=("true", "false")))
        if kind == "null":
            return self._add(SchemaNode(kind=ENUM, literals=("null",)))
        raise ValueError(f"{path}/type: unknown JSON Schema type {kind!r}")

    def _compile_object(self, schema: dict[str, Any], path: str) -> int:
        slot = self._reserve()
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise ValueError(f"{path}/properties: must be an object")
        additional_schema = schema.get("additionalProperties", True)
        additional = (
            None
            if additional_schema is False
            else self._compile(additional_schema, f"{path}/additionalProperties")
        )
        names = list(properties)
        required = schema.get("required", [])
        for name in required:
            if (
                name not in properties
            ):  # required but undeclared: its value follows additionalProperties
                if additional is None:
                    raise ValueError(f"{path}/required: {name!r} is required but not allowed")
                names.append(name)
        key_nodes: list[int] = []
        for name in names:
            if name in properties:
                key_nodes.append(self._compile(properties[name], f"{path}/properties/{name}"))
            else:
                assert additional is not None  # checked above
                key_nodes.append(additional)
        bits = sum(1 << names.index(n) for n in set(required))
        keys = tuple(json.dumps(n, ensure_ascii=False)[1:-1] for n in names)
        self.nodes[slot] = SchemaNode(
            kind=OBJECT,
            keys=keys,
            key_nodes=tuple(key_nodes),
            required_bits=bits,
            additional=additional,
        )
        return slot

    def _compile_options(self, options: Any, path: str) -> int:
        if not isinstance(options, list) or not options:
            raise ValueError(f"{path}: must be a non-empty list of schemas")
        slot = self._reserve()
        ids = tuple(self._compile(o, f"{path}/{i}") for i, o in enumerate(options))
        self.nodes[slot] = SchemaNode(kind=ANYOF, options=ids)
        return slot

    def _compile_ref(self, ref: Any, path: str) -> int:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(
                f"{path}/$ref: only local references ('#/...') are supported, got {ref!r}"
            )
        if ref in self._refs:
            return self._refs[ref]
        target: Any = self._root_schema
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise ValueError(f"{path}/$ref: {ref!r} does not resolve")
            target = target[part]
        # Reserve the id before compiling the target so recursive references find it.
        slot = self._reserve()
        self._refs[ref] = slot
        self.nodes[slot] = SchemaNode(kind=ANYOF, options=(self._compile(target, ref),))
        return slot

    def _any_node(self) -> int:
        """JSON Schema `true`: any JSON value (objects and arrays of any values, recursively)."""
        if self._any is None:
            self._any = slot = self._reserve()
            obj = self._add(SchemaNode(kind=OBJECT, additional=slot))
            arr = self._add(SchemaNode(kind=ARRAY, items=slot))
            scalars = [
                self._add(SchemaNode(kind=STRING)),
                self._add(SchemaNode(kind=NUMBER)),
                self._add(SchemaNode(kind=ENUM, literals=("true", "false", "null"))),
            ]
            self.nodes[slot] = SchemaNode(kind=ANYOF, options=(obj, arr, *scalars))
        return self._any

    def _add(self, node: SchemaNode) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    # -- derived facts -----------------------------------------------------------------------------

    def alternatives(self, node_id: int) -> tuple[int, ...]:
        """The concrete (non-anyOf) nodes a value of ``node_id`` may be, nested anyOf flattened."""
        cached = self._alternatives.get(node_id)
        if cached is not None:
            return cached
        found: dict[int, None] = {}
        pending, seen = [node_id], set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            node = self.nodes[current]
            if node.kind == ANYOF:
                pending.extend(reversed(node.options))
            else:
                found[current] = None
        result = tuple(found)
        self._alternatives[node_id] = result
        return result

    def entry_cost(self, node: SchemaNode, index: int) -> int:
        """UTF-8 bytes of the shortest `"key":value` entry for property ``index``."""
        return utf8_length(node.keys[index]) + 3 + self.min_length[node.key_nodes[index]]

    def _min_lengths(self) -> list[int]:
        """UTF-8 bytes of the shortest JSON text of each node, by fixed-point iteration (recursive schemas included)."""
        best = [_INFINITE] * len(self.nodes)
        changed = True
        while changed:
            changed = False
            for i, node in enumerate(self.nodes):
                value = self._node_length(node, best)
                if value < best[i]:
                    best[i] = value
                    changed = True
        return best

    def _node_length(self, node: SchemaNode, best: list[int]) -> int:
        if node.kind == ENUM:
            return min(utf8_length(text) for text in node.literals)
        if node.kind == STRING:
            return 2 + node.min_length
        if node.kind in (NUMBER, INTEGER):
            return 1
        if node.kind == ANYOF:
            return min((best[o] for o in node.options), default=_INFINITE)
        if node.kind == ARRAY:
            if node.min_items == 0:
                return 2
            assert node.items is not None
            return min(_INFINITE, 1 + node.min_items * (best[node.items] + 1))
        required = [i for i in range(len(node.keys)) if node.required_bits >> i & 1]
        total = 2 + max(len(required) - 1, 0)
        for i in required:
            total += utf8_length(node.keys[i]) + 3 + best[node.key_nodes[i]]
        return min(total, _INFINITE)


def _bounds(
    schema: dict[str, Any], low_key: str, high_key: str, path: str
) -> tuple[int, int | None]:
    low = schema.get(low_key, 0)
    high = schema.get(high_key)
    if (
        not isinstance(low, int)
        or low < 0
        or (high is not None and (not isinstance(high, int) or high < low))
    ):
        raise ValueError(f"{path}: invalid {low_key}/{high_key} ({low!r}, {high!r})")
    return low, high
