#!/usr/bin/env python3
"""Write examples/nl/responses.jsonl, the LLM replies that ``scripts/demo.sh`` replays.

NO MODEL PRODUCED THESE RESPONSES. They were written by hand for the demo, as the replies a good model
would give, and live in ``examples/nl/replies/<problem>.<n>.md`` (``n`` is the attempt the reply answers).
Two first replies carry a realistic mistake (a parameter declared under one name and used under another;
a table keyed with ``"new york"`` instead of the set member ``"new_york"``), and the second reply fixes it
in answer to the validator's feedback, so the demo shows the repair loop at work. Both mistakes are caught
by optmodel's own validator, whose messages do not depend on the solver version; a solver-detected mistake
(say, an unbounded model) would put HiGHS's unbounded ray into the feedback, and a different HiGHS could
then ask a request this recording does not hold.

The script runs the real formulator the way ``optmodel solve PROBLEM.txt`` does with no flags: the CLI's
own ``run_formulator``, with the defaults of the ``solve`` command read from its signature (attempts,
samples, solver, and the SolveOptions the command builds from its flags), through
``RecordedProvider(path, record_from=ScriptedProvider(...))``. So every key in the file is the fingerprint
of a request the CLI really makes. Each line gets a ``"note"`` saying that a person wrote the reply, the
reply's ``model`` is ``hand-written (no model)``, and its token usage is 0 because no model ran.

Re-run it whenever the prompts, the few-shot examples, the Formulation schema or the feedback texts change:
the keys cover the whole conversation, so an old recording then stops matching (the demo test says so)::

    .venv/bin/python scripts/record_demo_responses.py
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

from optmodel.cli import solve_cmd
from optmodel.cli.formulate_cmd import run_formulator
from optmodel.cli.options import parse_solver_options
from optmodel.errors import LLMError
from optmodel.llm.formulator import FormulationResult
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.providers.recorded import RecordedProvider
from optmodel.llm.providers.scripted import ScriptedProvider
from optmodel.llm.types import CompletionRequest
from optmodel.solvers.base import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
NL_DIR = ROOT / "examples" / "nl"
REPLIES_DIR = NL_DIR / "replies"
OUT = NL_DIR / "responses.jsonl"
MODEL_LABEL = "hand-written (no model)"
NOTE = (
    "Written by hand for the optmodel demo; no LLM produced this response. "
    "Source: examples/nl/replies/{reply}; regenerate with scripts/record_demo_responses.py."
)
_REQUEST_ID = re.compile(r"^(?P<problem>.+)/s(?P<sample>\d+)/a(?P<attempt>\d+)$")


def cli_default(name: str) -> Any:
    """The default of an ``optmodel solve`` option, read from the command's signature."""
    default = inspect.signature(solve_cmd.solve).parameters[name].default
    return getattr(default, "default", default)


def cli_solve_options() -> SolveOptions:
    """The SolveOptions ``optmodel solve`` builds when no solver flag is given."""
    return SolveOptions(
        time_limit=cli_default("time_limit"),
        threads=cli_default("threads"),
        rel_gap=cli_default("gap"),
        seed=cli_default("seed"),
        verbose=cli_default("verbose"),
        solver_options=parse_solver_options(list(cli_default("option"))),
    )


def load_replies(problems: list[Path]) -> dict[str, list[Path]]:
    """problem stem -> its hand-written reply files, in attempt order (``stem.1.md``, ``stem.2.md``, ...)."""
    replies: dict[str, list[Path]] = {}
    for problem in problems:
        files: list[Path] = []
        while (REPLIES_DIR / f"{problem.stem}.{len(files) + 1}.md").is_file():
            files.append(REPLIES_DIR / f"{problem.stem}.{len(files) + 1}.md")
        if not files:
            raise SystemExit(
                f"no reply for {problem.name}: write {REPLIES_DIR / (problem.stem + '.1.md')}"
            )
        replies[problem.stem] = files
    return replies


def scripted_author(replies: dict[str, list[Path]], used: dict[str, set[int]]) -> ScriptedProvider:
    """A provider that answers attempt n of problem p with the hand-written reply ``p.n.md``."""

    def answer(request: CompletionRequest) -> str | None:
        match = _REQUEST_ID.match(request.request_id)
        if match is None or match["sample"] != "0":
            return None
        problem, attempt = match["problem"], int(match["attempt"])
        files = replies.get(problem, [])
        if attempt > len(files):
            raise LLMError(
                f"{problem} needs a reply for attempt {attempt} (the previous one did not solve): "
                f"write {REPLIES_DIR / f'{problem}.{attempt}.md'}"
            )
        used.setdefault(problem, set()).add(attempt)
        return files[attempt - 1].read_text(encoding="utf-8")

    return ScriptedProvider(answer, model=MODEL_LABEL)


def formulate_like_the_cli(text: str, problem_id: str, provider: LLMProvider) -> FormulationResult:
    """``optmodel solve PROBLEM.txt`` with no flags, up to the formulation (the same requests, in order)."""
    outcome, _label = run_formulator(
        text,
        problem_id,
        provider,  # type: ignore[arg-type]  # resolve_llm() passes a provider object through unchanged
        cli_default("solver"),
        cli_solve_options(),
        cli_default("attempts"),
        cli_default("samples"),
    )
    return outcome


def mark_as_hand_written(raw: Path, out: Path, reply_names: dict[str, str]) -> int:
    """Copy the recording to ``out``, each line with the note, the reply's source and zero token usage."""
    lines = []
    for line in raw.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        record["response"]["usage"] = {"prompt_tokens": 0, "completion_tokens": 0}
        note = NOTE.format(reply=reply_names[record["request_id"]])
        lines.append(json.dumps({"note": note, **record}, ensure_ascii=False) + "\n")
    out.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    """Record every examples/nl/*.txt problem, then replay the file to prove the CLI finds every reply."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the JSONL recording")
    args = parser.parse_args(argv)

    problems = sorted(NL_DIR.glob("*.txt"))
    replies = load_replies(problems)
    raw = args.out.with_name(args.out.name + ".partial")
    raw.unlink(missing_ok=True)  # start empty: stale keys from an older prompt must not linger
    used: dict[str, set[int]] = {}
    recorder = RecordedProvider(raw, record_from=scripted_author(replies, used))
    reply_names: dict[str, str] = {}
    for problem in problems:
        outcome = formulate_like_the_cli(
            problem.read_text(encoding="utf-8"), problem.stem, recorder
        )
        stages = [a.stage for a in outcome.attempts]
        if not outcome.ok or used.get(problem.stem) != set(
            range(1, len(replies[problem.stem]) + 1)
        ):
            raw.unlink(missing_ok=True)
            raise SystemExit(
                f"{problem.name}: the hand-written replies do not solve as intended: {stages} ({outcome.reason})"
            )
        for number in range(1, len(outcome.attempts) + 1):
            reply_names[f"{problem.stem}/s0/a{number}"] = f"{problem.stem}.{number}.md"
        assert outcome.result is not None
        print(f"{problem.name}: attempts {stages}, objective {outcome.result.objective}")
    count = mark_as_hand_written(raw, args.out, reply_names)
    raw.unlink()

    # Replay without a fallback: every request the CLI makes must be in the file.
    replayer = RecordedProvider(args.out)
    for problem in problems:
        outcome = formulate_like_the_cli(
            problem.read_text(encoding="utf-8"), problem.stem, replayer
        )
        if not outcome.ok:
            raise SystemExit(f"replaying {problem.name} from {args.out} failed: {outcome.reason}")
    print(f"wrote {count} hand-written response(s) to {args.out}; replay checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
