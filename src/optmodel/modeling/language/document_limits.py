"""Decoding JSON and YAML with bounded work: nesting depth, YAML aliases and expanded size are capped.

``json.loads`` and PyYAML recurse once per nesting level (1,000 levels end in ``RecursionError``), and a
YAML "billion laughs" document of a few hundred bytes expands to 10^9 nodes once anything walks it. These
decoders check what is cheap to check *before* that happens and raise :class:`DocumentTooLarge` (a
:class:`~optmodel.errors.ModelFileError`) with what to change.

>>> load_json('{"a": [1, 2]}')
{'a': [1, 2]}
>>> try:
...     load_json("[" * 5000 + "]" * 5000)
... except DocumentTooLarge as error:
...     print(str(error)[:48])
the document is nested more than 100 levels deep
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from optmodel.errors import ModelFileError
from optmodel.limits import Limits, current_limits

#: Nodes a YAML document may expand to once its aliases are followed.
_EXPANDED_NODES_PER_ALIAS = 10_000


class DocumentTooLarge(ModelFileError):
    """A document is nested too deeply, uses too many aliases or expands too far."""


def _too_deep(limits: Limits) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"the document is nested more than {limits.max_nesting} levels deep; a model needs a few "
        "(limit Limits.max_nesting, OPTMODEL_LIMITS=max_nesting=...)"
    )


def check_text_size(text: str, limits: Limits | None = None) -> None:
    limits = limits or current_limits()
    if len(text) > limits.max_document_bytes:
        raise DocumentTooLarge(
            f"the document has {len(text):,} characters, more than the {limits.max_document_bytes:,} allowed "
            "(Limits.max_document_bytes)"
        )


def bracket_depth(text: str) -> int:
    """Deepest nesting of ``[]``/``{}`` outside of strings (a cheap upper bound for JSON and flow YAML)."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def load_json(text: str, limits: Limits | None = None) -> Any:
    """``json.loads`` with the size and nesting limits checked first."""
    limits = limits or current_limits()
    check_text_size(text, limits)
    if bracket_depth(text) > limits.max_nesting:
        raise _too_deep(limits)
    return json.loads(text)


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts nesting and aliases while composing, before any object is built."""

    def __init__(self, stream: str, limits: Limits) -> None:
        super().__init__(stream)
        self.limits = limits
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.limits.max_yaml_aliases:
                raise DocumentTooLarge(
                    f"the YAML document uses more than {self.limits.max_yaml_aliases} aliases (*name); "
                    "write the values out (limit Limits.max_yaml_aliases)"
                )
        self.depth += 1
        if self.depth > self.limits.max_nesting:
            raise _too_deep(self.limits)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(text: str, limits: Limits | None = None) -> Any:
    """``yaml.safe_load`` with nesting, aliases and the expanded size capped."""
    limits = limits or current_limits()
    check_text_size(text, limits)
    if bracket_depth(text) > limits.max_nesting:
        raise _too_deep(limits)
    loader = _LimitedLoader(text, limits)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if loader.aliases:
            _check_expansion(node, limits)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node, limits: Limits) -> None:
    """Refuse documents whose aliases multiply: count nodes as if every alias were copied out."""
    budget = max(_EXPANDED_NODES_PER_ALIAS * limits.max_yaml_aliases, 1)
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the path from the root: an alias back into it is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # post-order without recursion; shared nodes are sized once
        node, done = stack.pop()
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in _children(node)), budget + 1)
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise DocumentTooLarge("the YAML document refers to itself through an alias")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    if sizes[id(root)] > budget:
        raise DocumentTooLarge(
            f"the YAML document's aliases expand it to more than {budget:,} values; write the values "
            "out instead of repeating anchors (limit Limits.max_yaml_aliases)"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_nesting(document: Any, limits: Limits | None = None) -> None:
    """Raise :class:`DocumentTooLarge` when a decoded document (or a dict built in Python) nests too deep."""
    limits = limits or current_limits()
    stack: list[tuple[Any, int]] = [(document, 1)]
    seen: set[int] = set()
    while stack:
        value, depth = stack.pop()
        if depth > limits.max_nesting:
            raise _too_deep(limits)
        if isinstance(value, Mapping | list | tuple):
            if id(value) in seen:
                continue  # a shared or cyclic part is checked once
            seen.add(id(value))
            items = value.values() if isinstance(value, Mapping) else value
            stack.extend((item, depth + 1) for item in items)
