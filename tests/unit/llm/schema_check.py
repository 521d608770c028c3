"""An independent JSON Schema checker for the subset the constrained decoder supports (tests only).

If the ``jsonschema`` package is installed it is consulted as well, so the two must agree.
"""

from __future__ import annotations

from typing import Any


def schema_errors(value: Any, schema: Any, root: Any = None, path: str = "$") -> list[str]:
    root = schema if root is None else root
    if schema is True or schema == {}:
        return []
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, path)
    if "const" in schema:
        return [] if _same(value, schema["const"]) else [f"{path}: not the const"]
    if "enum" in schema:
        return [] if any(_same(value, v) for v in schema["enum"]) else [f"{path}: not in enum"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            if any(not schema_errors(value, s, root, path) for s in schema[key]):
                return []
            return [f"{path}: matches no {key} option"]
    kind = schema.get("type")
    if isinstance(kind, list):
        if any(not schema_errors(value, {**schema, "type": k}, root, path) for k in kind):
            return []
        return [f"{path}: none of the types {kind}"]
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None and not checks[kind](value):
        return [f"{path}: not a {kind}"]
    errors: list[str] = []
    if isinstance(value, dict) and kind in (None, "object"):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = props.get(key, extra)
            if sub is False:
                errors.append(f"{path}: extra key {key!r}")
            else:
                errors += schema_errors(item, sub, root, f"{path}.{key}")
    if isinstance(value, list) and kind in (None, "array"):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: too many items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", True), root, f"{path}[{i}]")
    if isinstance(value, str) and kind in (None, "string"):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: too long")
    return errors


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


def assert_valid(value: Any, schema: Any) -> None:
    errors = schema_errors(value, schema)
    assert not errors, errors
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.validate(value, schema)
