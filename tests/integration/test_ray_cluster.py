"""`bench` and the ALNS benchmark joining a Ray cluster started beforehand with `ray start` (loopback only).

Skipped without the [ray] extra. Each cluster runs in a process group of its own (the `ray start` command's
session), is bound to 127.0.0.1 with no dashboard, and is stopped by signalling that group only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "datasets"
MIPLIB = ROOT.parent / "shared" / "miplib"
RAY = Path(sys.executable).parent / "ray"

# Ray is only used in subprocesses: importing it here would fix its loopback switch for this whole
# process (it is read once, at import) before test_ray_executor sets it.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None or not RAY.exists(),
        reason="needs the [ray] extra (ray and its command)",
    ),
]

# Ray maps 127.0.0.1 to the host's interface address unless its cluster support is off. The cluster and
# its drivers share a token made for this test (Ray would otherwise use, or make, ~/.ray/auth_token).
LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": secrets.token_hex(32),
}

BENCH = """
import json, sys
from pathlib import Path
import ray
from optmodel.benchmarks.runner import BenchConfig, run_benchmark
from optmodel.llm.providers.scripted import ScriptedProvider
out, reply, data, executor, limit, workers, solve_s = sys.argv[1:8]
config = BenchConfig(datasets=("nl4opt",), llm="scripted", methods=("standard",), out=Path(out),
                     limit=int(limit), chunk_size=int(limit), workers=int(workers), executor=executor,
                     data_dir=Path(data), solve_time_limit=float(solve_s))
provider = ScriptedProvider(rules=lambda request: Path(reply).read_text())
run_benchmark(config, provider, resume=Path(out).exists())
if ray.is_initialized():
    print("NODES", json.dumps(sorted({n["NodeManagerAddress"] for n in ray.nodes()})))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RayNode:
    """One `ray start` (head or worker); every process it starts shares its process group."""

    group: int

    def stop(self, first: signal.Signals = signal.SIGTERM, grace_s: float = 10.0) -> None:
        try:
            os.killpg(self.group, first)
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline:
                os.killpg(self.group, 0)
                time.sleep(0.2)
            os.killpg(self.group, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group is gone


def ray_start(*args: str, temp_dir: Path) -> RayNode:
    env = {**os.environ, **LOOPBACK_ENV, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [str(RAY), "start", "--node-ip-address=127.0.0.1", "--disable-usage-stats", *args,
         f"--temp-dir={temp_dir}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    output, _ = process.communicate(timeout=180)
    node = RayNode(process.pid)
    if process.returncode != 0:
        node.stop(signal.SIGKILL, 0)
        pytest.fail(f"ray start failed:\n{output[-3000:]}")
    return node


@pytest.fixture
def ray_head() -> Iterator[tuple[str, Path]]:
    """A head node on 127.0.0.1 with 2 CPUs and no dashboard; yields its address and temp dir."""
    # Ray's socket paths must fit in 107 bytes: a short folder under /tmp, not pytest's tmp_path.
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    port = free_port()
    head = ray_start(
        "--head", f"--port={port}", "--include-dashboard=false", "--num-cpus=2", temp_dir=temp_dir
    )
    try:
        yield f"127.0.0.1:{port}", temp_dir
    finally:
        head.stop()
        shutil.rmtree(temp_dir, ignore_errors=True)


def bench_command(
    out: Path, executor: str, limit: int, reply: Path, workers: int = 2, solve_s: float = 30.0
) -> list[str]:
    args = [str(out), str(reply), str(DATA), executor, str(limit), str(workers), str(solve_s)]
    return [sys.executable, "-c", BENCH, *args]


def bench_env() -> dict[str, str]:
    env = {**os.environ, **LOOPBACK_ENV, "PYTHONPATH": str(ROOT / "src")}
    env.pop("RAY_ADDRESS", None)
    return env


def run_bench(
    out: Path, executor: str, limit: int, reply: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        bench_command(out, executor, limit, reply),
        env=bench_env(), capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip


def records(out: Path) -> list[tuple[str, float | None]]:
    from optmodel.benchmarks.report import load_records
    from optmodel.benchmarks.rundir import RunDirectory

    return sorted((r.problem_id, r.objective) for r in load_records(RunDirectory(out)))


@pytest.fixture
def knapsack_reply(tmp_path: Path) -> Path:
    reply = tmp_path / "reply.txt"
    reply.write_text("```json\n" + (ROOT / "examples" / "knapsack.json").read_text() + "\n```")
    return reply


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets")
def test_bench_joins_a_running_cluster_and_writes_every_record(
    ray_head: tuple[str, Path], knapsack_reply: Path, tmp_path: Path
) -> None:
    address, _ = ray_head
    done = run_bench(tmp_path / "ray", f"ray:{address}", 4, knapsack_reply)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Ray: joined the cluster at {address}" in done.stderr
    assert 'NODES ["127.0.0.1"]' in done.stdout  # the cluster it used, on loopback only
    on_ray = records(tmp_path / "ray")
    assert len(on_ray) == 4 and len({p for p, _ in on_ray}) == 4
    assert all(objective is not None for _, objective in on_ray)
    assert run_bench(tmp_path / "thread", "thread", 4, knapsack_reply).returncode == 0
    assert on_ray == records(tmp_path / "thread")


@pytest.mark.skipif(not (MIPLIB / "pk1.mps").exists(), reason="needs ../shared/miplib")
def test_alns_benchmark_runs_on_the_cluster(ray_head: tuple[str, Path], tmp_path: Path) -> None:
    address, _ = ray_head
    env = {**os.environ, **LOOPBACK_ENV, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    command = [
        sys.executable, "-m", "benchmarks.alns.run", "--tier", "smoke", "--methods", "highs",
        "--instances", "pk1,timtab1", "--time-limit", "1", "--executor", f"ray:{address}",
        "--out", str(tmp_path / "alns"),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Ray: joined the cluster at {address}" in done.stderr
    assert json.loads((tmp_path / "alns" / "config.json").read_text())["executor"] == (
        f"ray:{address}"
    )
    runs = tmp_path / "alns" / "runs"
    for instance in ("pk1", "timtab1"):  # every run's files came back from its Ray worker
        assert json.loads((runs / f"{instance}__highs__0.meta.json").read_text())["returncode"] == 0
        assert json.loads((runs / f"{instance}__highs__0.json").read_text())["status"]
        assert (
            (runs / f"{instance}__highs__0.trajectory.jsonl")
            .read_text()
            .startswith('{"start_wall"')
        )
    assert '"objective"' in (runs / "pk1__highs__0.trajectory.jsonl").read_text()  # found at once


# `ray start --address` refuses a second node while Ray keeps to loopback, so the two-node cluster is
# Ray's own test cluster (ray.cluster_utils), run in a process of its own: on "kill" it removes the
# worker node (every process of it, at once), on end of input it shuts the cluster down.
TWO_NODES = """
import json, os, sys
# The cluster writes its address to $RAY_TMPDIR/ray/ray_current_cluster (default /tmp/ray/...) whatever
# the head's temp_dir, and does not create that folder: a machine that never ran Ray has none.
os.environ["RAY_TMPDIR"] = sys.argv[1]
os.makedirs(os.path.join(sys.argv[1], "ray"), exist_ok=True)
from ray.cluster_utils import Cluster
cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                  "node_ip_address": "127.0.0.1", "temp_dir": sys.argv[1]})
worker = cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1")
print(json.dumps({"address": cluster.address, "raylet": worker.all_processes["raylet"][0].process.pid}),
      flush=True)
for line in sys.stdin:
    if line.strip() == "kill":
        cluster.remove_node(worker, allow_graceful=False)
        print("removed", flush=True)
cluster.shutdown()
"""


def busy_workers(raylet: int) -> list[int]:
    """The node's Ray worker processes (children of its raylet) running a task (not ``ray::IDLE``)."""
    busy = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0]
        except (OSError, ValueError):
            continue
        if int(stat[1]) == raylet and command.startswith(b"ray::") and command != b"ray::IDLE":
            busy.append(int(entry.name))
    return busy


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/datasets")
def test_a_worker_node_killed_mid_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    from test_bench_orphans import market_split  # a 0-1 model HiGHS works on for minutes

    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    cluster = subprocess.Popen(
        [sys.executable, "-c", TWO_NODES, str(temp_dir)], env=bench_env(), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    bench: subprocess.Popen[str] | None = None
    try:
        assert cluster.stdin is not None and cluster.stdout is not None
        started = json.loads(cluster.stdout.readline())
        address, raylet = started["address"], started["raylet"]
        assert address.startswith("127.0.0.1:")
        reply = tmp_path / "reply.txt"
        reply.write_text("```json\n" + json.dumps(market_split()) + "\n```")
        out = tmp_path / "run"
        # 6 solves of 3 s each, 3 at a time: the worker node's 2 CPUs get tasks as soon as they start.
        command = bench_command(out, f"ray:{address}", 6, reply, workers=3, solve_s=3.0)
        bench = subprocess.Popen(
            command, env=bench_env(), cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not busy_workers(raylet) and time.monotonic() < deadline and bench.poll() is None:
            time.sleep(0.1)
        assert busy_workers(raylet), "no task reached the worker node"
        cluster.stdin.write("kill\n")
        cluster.stdin.flush()
        assert cluster.stdout.readline().strip() == "removed"
        _, stderr = bench.communicate(timeout=240)
        if bench.returncode != 0:  # the run may stop; --resume must then finish it
            resumed = subprocess.run(
                command, env=bench_env(), cwd=ROOT, capture_output=True, text=True, timeout=240
            )
            assert resumed.returncode == 0, resumed.stderr[-3000:]
    finally:
        if bench is not None and bench.poll() is None:
            bench.kill()
        if cluster.stdin is not None:
            cluster.stdin.close()
        try:
            cluster.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
        shutil.rmtree(temp_dir, ignore_errors=True)
    from optmodel.benchmarks.report import load_records
    from optmodel.benchmarks.rundir import RunDirectory

    found = load_records(RunDirectory(out))
    assert len(found) == 6 and len({r.problem_id for r in found}) == 6
    # Ray re-ran the lost tasks: every solve ran to its time limit (the model has no quick solution),
    # none ended with the lost node's error.
    assert all("(time_limit)" in (r.error or "") for r in found), (
        [r.error for r in found],
        stderr[-3000:],
    )
