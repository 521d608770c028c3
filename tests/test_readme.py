"""The README's examples are part of the documentation contract: every Python block runs, the YAML model solves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_opens_with_the_two_fresh_clone_commands() -> None:
    first = _blocks("bash")[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].startswith("bash scripts/demo.sh") and first[1].startswith(
        "bash scripts/test.sh"
    )


def test_python_examples_run() -> None:
    namespace: dict[str, object] = {}
    blocks = _blocks("python")
    assert len(blocks) >= 4
    for block in blocks:
        exec(
            compile(block, str(README), "exec"), namespace
        )  # our own documentation, not LLM output


def test_format_example_solves() -> None:
    import optmodel

    (document,) = [yaml.safe_load(b) for b in _blocks("yaml")]
    answer = optmodel.solve(document)
    assert answer.status == "optimal"
    # Worked out by hand in the README: 325*0.225 + 300*0.162 + 275*0.126 + three lanes at 100.
    assert abs(answer.objective - 456.375) <= 1e-6
    assert answer.value("ship", ("seattle", "new_york")) == 325
