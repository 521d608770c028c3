"""The attack suite of issue 11, as a benchmark: hostile inputs through the API, the LLM repair loop and the CLI.

Every case runs isolated (API and LLM cases in a worker process that is killed and replaced after a hang or
a crash; CLI cases as their own ``optmodel`` process) and ends in one of: clean rejection (an optmodel error
or a non-zero exit with a message), solved, traceback (any other exception, or "Traceback" on stderr), hang
(no end within ``--hang-s``), crash (the process died: a signal or out of memory). On top:

- wrong answer: a solve that reports a solution while the model was made invalid on purpose (look-alike
  names), reports a non-finite objective, or returns a solution that violates its own constraints;
- damaged file solved silently: a damaged LP/MPS file that solves without an error (each damage here always
  changes the model: section headers, numbers, NUL bytes, truncation).

Also checked: no expression ever runs code (a canary file that hostile expressions try to create).

    PYTHONPATH=src .venv/bin/python benchmarks/robustness.py --api 300 --cli 15 --files 40

Writes ``benchmarks/results/robustness.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CANARY = Path(tempfile.gettempdir()) / "optmodel-robustness-canary"
OUTCOMES = ("clean", "solved", "traceback", "hang", "crash", "wrong", "damaged_solved")

# --- cases ----------------------------------------------------------------------------------------------
BASE: dict[str, Any] = {
    "sets": {"P": ["a", "b", "c"], "T": {"range": [1, 3]}},
    "parameters": {
        "profit": {"index": ["P"], "values": {"a": 3, "b": 5, "c": 4}},
        "use": {
            "index": ["P", "T"],
            "values": [
                ["a", 1, 1],
                ["a", 2, 2],
                ["a", 3, 1],
                ["b", 1, 2],
                ["b", 2, 1],
                ["b", 3, 3],
                ["c", 1, 1],
                ["c", 2, 1],
                ["c", 3, 2],
            ],
        },
        "cap": {"index": ["T"], "values": {"1": 10, "2": 12, "3": 9}},
    },
    "variables": {"make": {"index": ["P"], "type": "integer", "ub": 20}},
    "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in P)"},
    "constraints": {
        "capacity": {
            "forall": "t in T",
            "expression": "sum(use[p, t] * make[p] for p in P) <= cap[t]",
        }
    },
}

HOSTILE_EXPRESSIONS = [
    "2 ** 2 ** 2 ** 2 ** 2",
    "9 ** 9 ** 9 ** 9",
    "10 ** 400",
    "9" * 5000,
    "-" * 5000 + "1",
    "(" * 300 + "1" + ")" * 300,
    "1" + " + 1" * 5000,
    "sum(1 for i in BIG for j in BIG)",
    "sum(1 for i in BIG for j in BIG for k in BIG)",
    "sum(make[p] for p in P for i in BIG for j in BIG)",
    "__import__('os').system('touch " + str(CANARY) + "')",
    "open('" + str(CANARY) + "', 'w')",
    "make.__class__.__bases__",
    "(lambda: 1)()",
    "[x for x in ().__class__.__base__.__subclasses__()]",
    "exec('1')",
    "f'{1}'",
    "1e309 * make['a']",
    "1e300 * make['a']",
    "make['a'] * 1e-320",
    "ｃａｐ[1]",
    "inf - inf",
    "0 ** -1",
    "log(0)",
    "sqrt(-1)",
    "make['a'] / 0",
    "max(" + ", ".join(["1"] * 10000) + ")",
    "'a' * 10 ** 9",
    "\x00",
    "\ud800",
]

LOOK_ALIKES = [
    c
    for c in map(chr, range(0xA0, 0x3000))
    if c.isidentifier()
    and unicodedata.normalize("NFKC", c) not in (c, "")
    and unicodedata.normalize("NFKC", c).isascii()
    and unicodedata.normalize("NFKC", c).isidentifier()
]


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _random_value(rng: random.Random) -> Any:
    choices: list[Any] = [
        None,
        True,
        -1,
        0,
        2**63,
        1e20,
        -1e300,
        1.7e308,
        "",
        "x",
        "1e400",
        "ｃａｐ",
        [],
        {},
        [1, [2]],
        {"a": {"b": 1}},
        rng.choice(HOSTILE_EXPRESSIONS),
        "sum(make[p] for p in P)",
        "P",
        "T",
        10**12,
    ]
    return rng.choice(choices)


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def mutated_formulations(count: int, seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, model): random edits, huge numbers, huge sets, deep nesting, look-alike names."""
    rng = random.Random(seed)
    paths = _paths(BASE)
    for n in range(count):
        model = copy.deepcopy(BASE)
        kind = ["edit", "tweak", "edit", "tweak", "number", "size", "nesting", "lookalike"][n % 8]
        if kind == "edit":
            for _ in range(rng.randint(1, 3)):
                with contextlib.suppress(KeyError, IndexError, TypeError):
                    _set(
                        model,
                        rng.choice(paths),
                        _DELETE if rng.random() < 0.2 else _random_value(rng),
                    )
        elif kind == "tweak":  # a plausible model: new data, checked against its own constraints
            numeric = [
                p for p in paths if isinstance(_get(BASE, p), int | float) and p[0] == "parameters"
            ]
            for _ in range(rng.randint(1, 3)):
                _set(model, rng.choice(numeric), rng.randint(0, 50))
        elif kind == "number":
            value = rng.choice([1e16, 1e20, 1e100, 1.7e308, math.inf, -math.inf, math.nan])
            where = rng.choice(
                [
                    ("parameters", "profit", "values", "a"),
                    ("parameters", "cap", "values", "2"),
                    ("variables", "make", "ub"),
                ]
            )
            _set(model, where, value)
        elif kind == "size":
            model["sets"]["BIG"] = {"range": [1, rng.choice([10**7, 10**9, 10**12])]}
            model["constraints"]["big"] = {"forall": "i in BIG", "expression": "make['a'] <= 5"}
        elif kind == "nesting":
            nested: Any = 1
            for _ in range(rng.choice([500, 2000, 20000])):
                nested = {"k": nested}
            model["parameters"]["profit"]["values"] = nested
        else:
            look = rng.choice(LOOK_ALIKES)
            plain = unicodedata.normalize("NFKC", look)
            model["parameters"][plain] = 100
            model["parameters"][look] = 1
            model["constraints"]["extra"] = {"expression": f"make['a'] <= {look}"}
        yield kind, model


def hostile_expression_models() -> Iterator[tuple[str, dict[str, Any]]]:
    for expression in HOSTILE_EXPRESSIONS:
        for where in ("objective", "constraint", "bound"):
            model = copy.deepcopy(BASE)
            model["sets"]["BIG"] = {"range": [1, 100_000]}
            if where == "objective":
                model["objective"]["expression"] = expression
            elif where == "constraint":
                model["constraints"]["hostile"] = {"expression": f"make['a'] <= {expression}"}
            else:
                model["variables"]["make"]["ub"] = expression
            yield where, model


def yaml_bombs() -> Iterator[str]:
    for levels, width in ((9, 10), (10, 10), (12, 9)):
        lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
        for n in range(1, levels):
            lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
        yield "\n".join(lines) + "\n"
    yield "x: " + "[" * 5000 + "]" * 5000 + "\n"
    yield "{" * 100_000


MPS = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "tiny.mps"
).read_text()  # max 3x + 2y, x + y <= 4, x <= 3
LP = "Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x <= 3\nBounds\n y <= 10\nEnd\n"


def damaged_files(count: int, seed: int) -> Iterator[tuple[str, str, bytes]]:
    """(damage, suffix, bytes); every damage changes or breaks the model."""
    rng = random.Random(seed)
    lines = MPS.splitlines(keepends=True)
    headers = [
        n for n, line in enumerate(lines) if line[0].isalpha() and not line.startswith("NAME")
    ]
    numbers = [
        (n, k)
        for n, line in enumerate(lines)
        for k, w in enumerate(line.split())
        if w.replace(".", "", 1).isdigit()
    ]
    for n in range(count):
        damage = ["header", "truncate", "number", "missing", "nul", "lp-truncate", "huge"][n % 7]
        if damage == "header":
            cut = rng.choice(headers)
            yield damage, ".mps", "".join(lines[:cut] + lines[cut + 1 :]).encode()
        elif damage == "truncate":
            yield damage, ".mps", MPS[: rng.randint(1, len(MPS) - len("ENDATA\n") - 1)].encode()
        elif damage in ("number", "missing", "huge"):
            # 1e300 in RHS/BOUNDS means "infinite" by the format's convention: damage coefficients only.
            line, position = rng.choice(
                [
                    (n, k)
                    for n, k in numbers
                    if damage != "huge" or lines[n].split()[0] in ("x", "y")
                ]
            )
            words = lines[line].split()
            words[position] = {
                "number": rng.choice(["three", "1e", "--1", "0x1"]),
                "missing": "",
                "huge": "1e300",
            }[damage]
            text = "".join(
                [
                    *lines[:line],
                    "    " + "  ".join(w for w in words if w) + "\n",
                    *lines[line + 1 :],
                ]
            )
            yield damage, ".mps", text.encode()
        elif damage == "nul":
            at = rng.randint(0, len(MPS) - 1)
            yield damage, ".mps", MPS.encode()[:at] + b"\x00" + MPS.encode()[at:]
        else:
            body = LP[: LP.index("End")]
            cut = rng.choice([body.index(" c2: x <= 3") + k for k in (4, 7, 9)])
            yield damage, ".lp", body[:cut].encode()


# --- running --------------------------------------------------------------------------------------------
def _worker(conn: Connection) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import optmodel
    from optmodel.errors import OptmodelError
    from optmodel.llm.formulator import FormulatorConfig
    from optmodel.llm.providers.scripted import ScriptedProvider
    from optmodel.solvers.base import SolveOptions

    while True:
        kind, payload = conn.recv()
        started = time.perf_counter()
        try:
            if kind == "api":
                answer = optmodel.solve(payload, time_limit=10)
                result = answer.result
                wrong = result.objective is not None and not math.isfinite(result.objective)
                wrong |= bool(result.max_violation is not None and result.max_violation > 1e-5)
                outcome, detail = ("wrong" if wrong else "solved"), str(result.status.value)
            elif kind == "validate":
                issues = optmodel.validate(payload)
                outcome = "clean" if any(i.severity.value == "error" for i in issues) else "solved"
                detail = issues[0].code.value if issues else ""
            else:  # "llm": the model comes back from a scripted LLM, twice (the repair turn)
                provider = ScriptedProvider()
                for _ in range(2):
                    provider.enqueue(json.dumps(payload, allow_nan=True))
                config = FormulatorConfig(max_attempts=2, solve_options=SolveOptions(time_limit=10))
                outcome_llm = optmodel.formulate("hostile", provider, config=config)
                outcome = "solved" if outcome_llm.result is not None else "clean"
                detail = outcome_llm.reason[:80]
        except OptmodelError as error:
            outcome, detail = "clean", f"{type(error).__name__}: {str(error)[:80]}"
        except (MemoryError, RecursionError) as error:
            outcome, detail = "crash", type(error).__name__
        except Exception as error:  # the thing this benchmark counts
            outcome, detail = "traceback", f"{type(error).__name__}: {str(error)[:120]}"
        conn.send((outcome, detail, time.perf_counter() - started))


class IsolatedRunner:
    """One worker process at a time; replaced after a hang or a crash."""

    def __init__(self, hang_s: float) -> None:
        self.hang_s = hang_s
        self.context = multiprocessing.get_context("spawn")
        self.process: Any = None
        self.conn: Connection | None = None

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child,), daemon=True)
        self.process.start()
        self.conn = parent

    def run(self, kind: str, payload: Any) -> tuple[str, str, float]:
        if self.process is None or not self.process.is_alive():
            self._start()
        assert self.conn is not None
        started = time.perf_counter()
        try:
            self.conn.send((kind, payload))
        except (
            ValueError,
            OverflowError,
            RecursionError,
        ) as error:  # not even picklable: the runner's problem
            return "clean", f"unsendable: {type(error).__name__}", 0.0
        if not self.conn.poll(self.hang_s + 60):  # the first case also pays for importing
            self.stop()
            return "hang", "", time.perf_counter() - started
        try:
            outcome, detail, seconds = self.conn.recv()
        except EOFError:
            code = self.process.exitcode
            self.stop()
            return "crash", f"exit code {code}", time.perf_counter() - started
        if seconds > self.hang_s:
            return "hang", detail, seconds
        return outcome, detail, seconds

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None


def run_cli(args: list[str], hang_s: float) -> tuple[str, str, float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "optmodel", *args],
            capture_output=True,
            text=True,
            timeout=hang_s + 10,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "hang", "", time.perf_counter() - started, -1
    seconds = time.perf_counter() - started
    if "Traceback" in done.stderr or "Traceback" in done.stdout:
        return "traceback", done.stderr.strip().splitlines()[-1][:120], seconds, done.returncode
    if done.returncode < 0 or done.returncode in (134, 137, 139):
        return "crash", f"exit {done.returncode}", seconds, done.returncode
    if done.returncode in (0, 4, 5, 6):
        return "solved", done.stdout[:80], seconds, done.returncode
    return "clean", (done.stderr or done.stdout).strip()[:80], seconds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", type=int, default=300, help="mutated Formulations through the API")
    parser.add_argument("--cli", type=int, default=15, help="of those, also through the CLI")
    parser.add_argument(
        "--cli-expressions", type=int, default=10, help="hostile expressions via the CLI"
    )
    parser.add_argument(
        "--files", type=int, default=35, help="damaged LP/MPS files through the CLI"
    )
    parser.add_argument("--hang-s", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "robustness.json"
    )
    args = parser.parse_args()
    CANARY.unlink(missing_ok=True)
    rows: dict[str, Counter[str]] = {}
    examples: dict[str, list[str]] = {}
    slowest: dict[str, float] = {}

    def record(row: str, outcome: str, detail: str, seconds: float) -> None:
        rows.setdefault(row, Counter())[outcome] += 1
        rows[row]["cases"] += 1
        slowest[row] = max(slowest.get(row, 0.0), seconds)
        if outcome not in ("clean", "solved"):
            examples.setdefault(row, []).append(f"{outcome}: {detail}")

    runner = IsolatedRunner(args.hang_s)
    started = time.perf_counter()
    cli_left = args.cli
    with tempfile.TemporaryDirectory() as tmp:
        for n, (kind, model) in enumerate(mutated_formulations(args.api, args.seed)):
            outcome, detail, seconds = runner.run("api", model)
            if kind == "lookalike" and outcome == "solved":
                outcome, detail = "wrong", "look-alike names solved as one"
            record("mutated Formulations (API)", outcome, f"{kind}: {detail}", seconds)
            if cli_left > 0 and n % max(1, args.api // max(args.cli, 1)) == 0:
                cli_left -= 1
                path = Path(tmp) / f"m{n}.json"
                try:
                    path.write_text(json.dumps(model, allow_nan=True), encoding="utf-8")
                except (ValueError, RecursionError):
                    path.write_text(
                        "{" * 100_000, encoding="utf-8"
                    )  # too deep for json.dumps itself
                outcome, detail, seconds, _ = run_cli(
                    ["solve", str(path), "--output", "json"], args.hang_s
                )
                if kind == "lookalike" and outcome == "solved":
                    outcome = "wrong"
                record("mutated Formulations (CLI)", outcome, f"{kind}: {detail}", seconds)
        hostile = list(hostile_expression_models())
        for n, (where, model) in enumerate(hostile):
            for path_kind, row in (
                ("api", "hostile expressions (API)"),
                ("llm", "hostile expressions (LLM loop)"),
            ):
                outcome, detail, seconds = runner.run(path_kind, model)
                record(row, outcome, f"{where}: {detail}", seconds)
            if n < args.cli_expressions:
                path = Path(tmp) / f"h{n}.json"
                path.write_text(json.dumps(model), encoding="utf-8")
                outcome, detail, seconds, _ = run_cli(
                    ["solve", str(path), "--output", "json"], args.hang_s
                )
                record("hostile expressions (CLI)", outcome, f"{where}: {detail}", seconds)
        for bomb in yaml_bombs():
            outcome, detail, seconds = runner.run("validate", bomb)
            record("YAML/JSON bombs (API)", outcome, detail, seconds)
        for n, (damage, suffix, data) in enumerate(damaged_files(args.files, args.seed)):
            path = Path(tmp) / f"f{n}{suffix}"
            path.write_bytes(data)
            outcome, detail, seconds, _ = run_cli(
                ["solve", str(path), "--output", "json"], args.hang_s
            )
            if outcome == "solved":
                outcome = "damaged_solved"
            record("malformed LP/MPS files (CLI)", outcome, f"{damage}: {detail}", seconds)
    runner.stop()
    canary = CANARY.exists()
    wall_s, load = time.perf_counter() - started, os.getloadavg()
    report = {
        "command": " ".join(sys.argv),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
        "load": load,
        "wall_s": wall_s,
        "canary_created": canary,
        "rows": {row: dict(counts) for row, counts in rows.items()},
        "slowest_case_s": slowest,
        "examples": {row: found[:10] for row, found in examples.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    header = "| attack | cases | clean rejection | solved | tracebacks | hangs > {:g} s | crashes | wrong answers | damaged files solved silently | slowest case |"
    print(header.format(args.hang_s))
    print("|---" * 10 + "|")
    for row, counts in rows.items():
        cells = [str(counts.get(key, 0)) for key in ("cases", *OUTCOMES)]
        print(f"| {row} | " + " | ".join(cells) + f" | {slowest[row]:.1f} s |")
    print(
        f"\ncanary file created by an expression: {'YES' if canary else 'no'}; wall {wall_s:.0f} s; "
        f"load {load[0]:.1f}"
    )
    for row, found in examples.items():
        print(f"\n{row}:\n  " + "\n  ".join(found[:10]))


if __name__ == "__main__":
    main()
