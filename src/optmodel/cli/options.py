"""Options shared by several commands."""

from __future__ import annotations

import json
from typing import Any

import typer

LLM_OPTION: Any = typer.Option(
    None,
    "--llm",
    help="LLM spec: hf:MODEL, openai:MODEL[@BASE_URL], batch:DIR or recorded:FILE "
    "(default: $OPTMODEL_LLM, then the config file).",
)

NO_CACHE_OPTION: Any = typer.Option(
    False,
    "--no-cache",
    help="Neither read nor write the LLM response cache (ask the LLM afresh; works around a damaged cache).",
)


def parse_solver_options(pairs: list[str]) -> dict[str, Any]:
    """``["mip_rel_gap=0.01", "presolve=off"]`` -> ``{"mip_rel_gap": 0.01, "presolve": "off"}``."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"solver options are KEY=VALUE, got {pair!r}")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options[key.strip()] = value
    return options
