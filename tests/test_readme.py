"""The README's examples are part of the documentation contract: every Python block runs, the YAML model solves."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_opens_with_the_two_fresh_clone_commands() -> None:
    first = _blocks("bash")[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].startswith("bash scripts/demo.sh") and first[1].startswith(
        "bash scripts/test.sh"
    )


@pytest.mark.parametrize("number", range(len(_blocks("python"))))
def test_each_python_example_runs_on_its_own(number: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh namespace per block: a reader copies one block, not the page. Paths are from the checkout.
    monkeypatch.chdir(README.parent)
    block = _blocks("python")[number]
    exec(compile(block, f"README.md python block {number + 1}", "exec"), {})  # our own docs


def test_readme_has_the_python_examples() -> None:
    assert len(_blocks("python")) >= 4


def test_readme_names_the_real_default_library_path() -> None:
    from optmodel.experience_library.store import default_library_path

    shown = str(default_library_path()).replace(str(Path.home()), "~")
    text = README.read_text(encoding="utf-8")
    assert shown in text
    assert "library.db" not in text


def test_demo_setup_installs_every_extra_the_readme_uses_but_hf() -> None:
    setup = (README.parent / "scripts" / "setup-env.sh").read_text(encoding="utf-8")
    demo = re.search(r"demo\)\n\s*\"\$\{pip\[@\]\}\" -e \"\.\[([a-z,]+)\]\"", setup)
    assert demo is not None, setup
    installed = set(demo.group(1).split(","))
    pyproject = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    # Not for the tour: test tooling, the umbrella, the heavy [hf] (its own install line), cluster runs and
    # the peers the model-building benchmark compares against.
    extras = set(pyproject["project"]["optional-dependencies"]) - {
        "dev",
        "bench",
        "realvocab",
        "all",
        "hf",
        "ray",
    }
    assert extras <= installed, extras - installed
    assert "hf" not in installed
    assert "pip install torch==2.13.0 && pip install -e '.[hf]'" in README.read_text(
        encoding="utf-8"
    )


def test_format_example_solves() -> None:
    import optmodel

    # The complete model; the other YAML blocks are fragments.
    (document,) = [d for d in map(yaml.safe_load, _blocks("yaml")) if "objective" in d]
    answer = optmodel.solve(document)
    assert answer.status == "optimal"
    # Worked out by hand in the README: 325*0.225 + 300*0.162 + 275*0.126 + three lanes at 100.
    assert abs(answer.objective - 456.375) <= 1e-6
    assert answer.value("ship", ("seattle", "new_york")) == 325
