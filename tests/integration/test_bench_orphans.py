"""A killed `bench` leaves no solver worker behind: SIGKILL the run while its workers solve, then look."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "datasets"

pytestmark = [
    pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc"),
]

SCRIPT = """
import sys
from pathlib import Path
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.llm.providers.scripted import ScriptedProvider
reply = Path(sys.argv[2]).read_text()
config = BenchConfig(datasets=("nl4opt",), llm="scripted", methods=("standard",), out=Path(sys.argv[1]),
                     limit=2, chunk_size=2, workers=2, executor="process", solve_time_limit=600,
                     data_dir=Path(sys.argv[3]))
run_benchmark(config, ScriptedProvider(rules=lambda request: reply))
"""


def market_split(rows: int = 4, cols: int = 40, seed: int = 7) -> dict[str, object]:
    """A small, very hard 0-1 feasibility problem (Cornuéjols-Dawande): minutes for HiGHS."""
    rng = random.Random(seed)
    r_names, c_names = [f"r{i}" for i in range(rows)], [f"c{j}" for j in range(cols)]
    a = {r: {c: rng.randint(0, 99) for c in c_names} for r in r_names}
    return {
        "sets": {"ROWS": {"members": r_names}, "COLS": {"members": c_names}},
        "parameters": {
            "a": {"index": ["ROWS", "COLS"], "values": a},
            "b": {"index": ["ROWS"], "values": {r: sum(a[r].values()) // 2 for r in r_names}},
        },
        "variables": {"x": {"index": ["COLS"], "type": "binary"}},
        "objective": {"sense": "minimize", "expression": "sum(x[j] for j in COLS)"},
        "constraints": {
            "split": {
                "expression": "sum(a[i, j] * x[j] for j in COLS) == b[i]",
                "forall": "i in ROWS",
            }
        },
    }


def stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first); None once the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return raw.rpartition(b")")[2].decode().split()


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = stat_fields(pid)
    return 0 if fields is None else int(fields[11]) + int(fields[12])  # utime + stime


def alive(pid: int) -> bool:
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended; only its entry remains


def test_sigkilled_bench_leaves_no_solver_worker_alive(tmp_path: Path) -> None:
    reply = tmp_path / "reply.txt"
    reply.write_text("```json\n" + json.dumps(market_split()) + "\n```")
    script = tmp_path / "bench.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    bench = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "run"), str(reply), str(DATA)], env=env
    )
    try:
        # Wait until both pool workers exist and have burnt CPU in their solves.
        deadline = time.monotonic() + 240
        workers: list[int] = []
        while time.monotonic() < deadline and bench.poll() is None:
            workers = children(bench.pid)
            ticks = os.sysconf("SC_CLK_TCK")
            if len(workers) == 2 and all(cpu_ticks(w) >= ticks for w in workers):
                break
            time.sleep(0.2)
        assert bench.poll() is None, "bench ended before its workers got busy"
        assert len(workers) == 2 and all(alive(w) for w in workers)
        assert not (tmp_path / "run" / "results.jsonl").read_text().strip()  # still solving

        bench.send_signal(signal.SIGKILL)
        bench.wait()
        time.sleep(5)

        assert [w for w in workers if alive(w)] == []
    finally:
        if bench.poll() is None:
            bench.kill()
        for worker in workers:  # on failure, do not leave them running either
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
