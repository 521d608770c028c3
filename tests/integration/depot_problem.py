"""The depot problem the self-consistency and cross-check tests formulate: two readings of one cost."""

from __future__ import annotations

import json
from typing import Any

PROBLEM = (
    "A depot ships containers to a shop that needs 7 containers. A truck carries at most 2 containers and "
    "costs $10 per km on the 30 km route. Minimize the shipping cost."
)
PER_TRUCK = 4 * 10 * 30  # 4 trucks carry 7 containers: 1200
PER_CONTAINER = 7 * 10 * 30  # the cost read as per container-km: 2100


def shipping(per: str, assumptions: list[str]) -> dict[str, Any]:
    if per == "truck":
        variables = {
            "trucks": {"type": "integer", "description": "trucks sent"},
            "boxes": {"type": "integer", "description": "containers shipped"},
        }
        cost, limits = "10 * 30 * trucks", {"load": {"expression": "boxes <= 2 * trucks"}}
    else:
        variables = {"boxes": {"type": "integer", "description": "containers shipped"}}
        cost, limits = "10 * 30 * boxes", {}
    return {
        "assumptions": assumptions,
        "variables": variables,
        "objective": {"sense": "minimize", "expression": cost, "description": "cost in $"},
        "constraints": {"need": {"expression": "boxes >= 7"}, **limits},
    }


def fenced(document: dict[str, Any]) -> str:
    return f"```json\n{json.dumps(document)}\n```"
