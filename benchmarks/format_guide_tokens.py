"""Size of the format guide the LLM reads (``src/optmodel/llm/prompts/format.md``) in tokens, now and at a git revision.

Counted with the real Llama 3 and Mistral v3 vocabularies (``tests/unit/llm/real_tokenizers.py``; the
``realvocab`` extra), the same ones the throughput benchmark uses::

    .venv/bin/python benchmarks/format_guide_tokens.py --before 87a2168 --out benchmarks/results/format_guide_tokens.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = "src/optmodel/llm/prompts/format.md"
sys.path.insert(0, str(ROOT / "tests" / "unit" / "llm"))

from real_tokenizers import VOCABULARIES, real_tokenizer  # noqa: E402


def guide_text(revision: str | None) -> str:
    if revision is None:
        return (ROOT / GUIDE).read_text(encoding="utf-8")
    shown = subprocess.run(
        ["git", "show", f"{revision}:{GUIDE}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return shown.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=None, help="a git revision to compare with")
    parser.add_argument("--out", type=Path, default=None, help="write the figures here (JSON)")
    args = parser.parse_args()
    texts = {"now": guide_text(None)}
    if args.before:
        texts[args.before] = guide_text(args.before)
    figures: dict[str, dict[str, int]] = {}
    for label, text in texts.items():
        figures[label] = {"characters": len(text)}
        for name in VOCABULARIES:
            tokenizer = real_tokenizer(name)
            figures[label][f"{name}_tokens"] = len(tokenizer.encode(text, add_special_tokens=False))
        print(label, figures[label])
    if args.out:
        args.out.write_text(json.dumps({"guide": GUIDE, **figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
