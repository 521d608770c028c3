"""Building formulation prompts from the templates shipped as package data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from optmodel.llm.types import ChatMessage
from optmodel.modeling.language.ir import Formulation


@cache
def load_prompt(name: str) -> str:
    """Text of ``llm/prompts/<name>`` (a package data file)."""
    return (resources.files("optmodel.llm") / "prompts" / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class FewShotExample:
    """A worked example; ``source_id`` names the benchmark problem it came from, if any, so that the
    example is never shown when that problem is being solved."""

    problem: str
    formulation_json: str
    source_id: str = ""


@lru_cache(maxsize=1)
def default_examples() -> tuple[FewShotExample, ...]:
    folder = resources.files("optmodel.llm") / "prompts" / "fewshot"
    examples = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt"):
            model = folder / entry.name.replace(".txt", ".json")
            compact = json.dumps(json.loads(model.read_text(encoding="utf-8")), ensure_ascii=False)
            examples.append(FewShotExample(entry.read_text(encoding="utf-8").strip(), compact))
    return tuple(examples)


@lru_cache(maxsize=1)
def formulation_schema_text() -> str:
    return json.dumps(Formulation.json_schema(), separators=(",", ":"))


def system_message(include_schema: bool = True) -> ChatMessage:
    """The system instructions and the Formulation format (+ its JSON Schema), the same for every problem."""
    system = load_prompt("system.md").strip() + "\n\n" + load_prompt("format.md").strip()
    if include_schema:
        system += "\n\nJSON Schema of the Formulation:\n" + formulation_schema_text()
    return ChatMessage("system", system)


def build_messages(
    problem: str,
    *,
    examples: tuple[FewShotExample, ...] = (),
    insights: str = "",
    include_schema: bool = True,
) -> list[ChatMessage]:
    """System instructions + format (+ JSON Schema), few-shot pairs, retrieved insights, then the problem."""
    messages = [system_message(include_schema)]
    for example in examples:
        messages.append(ChatMessage("user", f"Problem:\n{example.problem}"))
        messages.append(ChatMessage("assistant", f"```json\n{example.formulation_json}\n```"))
    user = f"Problem:\n{problem.strip()}"
    if insights.strip():
        # The insight source writes its own header (see experience_library.format_for_prompt).
        user = f"{insights.strip()}\n\n{user}"
    messages.append(ChatMessage("user", user))
    return messages
