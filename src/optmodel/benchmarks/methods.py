"""The formulation methods a benchmark compares on the same problems with the same model."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from optmodel.llm.formulator import FormulatorConfig

#: Names accepted by ``optmodel bench --method``; ``sc-K`` takes any K >= 2.
METHOD_HELP = (
    "standard: one call, no repair, no verification, no library; "
    "verify: standard + the verification turn (a verdict on the solved plan, a corrected model tried); "
    "repair: repair loop + verification; library: repair + experience library (--library, else the shipped "
    "default); library-starter: repair + the shipped starter library; "
    "library-checked, library-starter-checked: the same, cross-checked (a second model written without "
    "the insights; where the two answers differ, the LLM compares both against the text and picks one); "
    "sc-K: K samples with repair and verification, the later ones steered toward the alternatives of the "
    "first one's open readings, the heaviest objective cluster wins"
)


@dataclass(frozen=True)
class Method:
    name: str
    config: FormulatorConfig
    uses_library: bool = False


def parse_method(name: str, base: FormulatorConfig | None = None) -> Method:
    """``standard``, ``verify``, ``repair``, ``library``, ``library-starter`` or ``sc-K`` on top of ``base``
    (budgets, solver, tokens)."""
    base = base or FormulatorConfig()
    repair_attempts = max(base.max_attempts, 2)
    if name == "standard":
        return Method(name, replace(base, max_attempts=1, samples=1))
    if name == "verify":
        return Method(
            name, replace(base, max_attempts=repair_attempts, samples=1, verify=True, repair=False)
        )
    if name == "repair":
        return Method(name, replace(base, max_attempts=repair_attempts, samples=1))
    if name in ("library", "library-starter", "library-checked", "library-starter-checked"):
        config = replace(
            base, max_attempts=repair_attempts, samples=1, cross_check=name.endswith("-checked")
        )
        return Method(name, config, uses_library=True)
    match = re.fullmatch(r"sc-(\d+)", name)
    if match and int(match.group(1)) >= 2:
        return Method(
            name, replace(base, max_attempts=repair_attempts, samples=int(match.group(1)))
        )
    raise ValueError(f"unknown method {name!r}; choose from: {METHOD_HELP}")
