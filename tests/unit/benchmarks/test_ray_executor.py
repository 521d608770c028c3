"""The Ray executor on a private local Ray bound to 127.0.0.1 (skipped without the [ray] extra)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

import pytest

if (
    "ray" not in sys.modules
):  # as RayExecutor does before it imports Ray: keep a private Ray on loopback
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray")

from optmodel.benchmarks.executors import make_executor  # noqa: E402
from optmodel.benchmarks.ray_executor import RayExecutor  # noqa: E402
from optmodel.benchmarks.report import load_records  # noqa: E402
from optmodel.benchmarks.rundir import RunDirectory  # noqa: E402
from optmodel.benchmarks.runner import BenchConfig, run_benchmark  # noqa: E402
from optmodel.llm.providers.scripted import ScriptedProvider  # noqa: E402

# Ray workers do not import this test module: send its functions by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def square(n: int) -> int:
    return n * n


def divide(a: float, b: float) -> float:
    return a / b


def nap(seconds: float) -> None:
    time.sleep(seconds)


@pytest.fixture(scope="module")
def private_ray(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[RayExecutor]:
    monkeypatch_module.delenv("RAY_ADDRESS", raising=False)
    if ray.is_initialized():
        ray.shutdown()
    executor = make_executor("ray", 2)
    assert isinstance(executor, RayExecutor)
    yield executor
    executor.shutdown()
    assert not ray.is_initialized()  # the private Ray was ours: it is gone


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_plain_ray_starts_a_private_loopback_ray_and_says_so(private_ray: RayExecutor) -> None:
    assert "started a private local Ray on 127.0.0.1" in private_ray.description
    assert [node["NodeManagerAddress"] for node in ray.nodes()] == ["127.0.0.1"]


def test_results_come_back_in_order_from_one_remote_function(private_ray: RayExecutor) -> None:
    assert list(private_ray.map(square, range(8))) == [n * n for n in range(8)]
    assert list(private_ray._remotes) == [square]  # wrapped once, not once per call


def test_a_worker_error_reaches_the_caller(private_ray: RayExecutor) -> None:
    future = private_ray.submit(divide, 1, 0)
    with pytest.raises(ZeroDivisionError):
        future.result(timeout=120)


def test_max_in_flight_bounds_running_tasks(private_ray: RayExecutor) -> None:
    # Ray has 2 CPUs here; a bound of 1 can only come from the executor: each submit waits for the last.
    messages: list[str] = []
    one_at_a_time = RayExecutor(max_in_flight=1, announce=messages.append)
    assert "already started" in messages[0]
    futures = []
    for _ in range(3):
        futures.append(one_at_a_time.submit(nap, 0.3))
        assert all(f.done() for f in futures[:-1])
    for future in futures:
        future.result(timeout=120)
    one_at_a_time.shutdown()
    assert ray.is_initialized()  # not its Ray to stop


def test_bench_on_ray_gives_the_records_of_the_thread_pool(
    private_ray: RayExecutor, shared_data_dir: Path, tmp_path: Path
) -> None:
    knapsack = (Path(__file__).resolve().parents[3] / "examples" / "knapsack.json").read_text()
    reply = "```json\n" + knapsack + "\n```"

    def run(executor: Executor | None, out: str) -> list[tuple[str, float | None]]:
        config = BenchConfig(
            datasets=("nl4opt",), llm="scripted", methods=("standard",), out=tmp_path / out,
            limit=4, chunk_size=4, executor="thread", data_dir=shared_data_dir,
        )  # fmt: skip
        run_benchmark(config, ScriptedProvider(rules=lambda request: reply), executor=executor)
        records = load_records(RunDirectory(tmp_path / out))
        return sorted((r.problem_id, r.objective) for r in records)

    on_ray = run(private_ray, "ray")
    assert len(on_ray) == 4 and all(objective is not None for _, objective in on_ray)
    assert on_ray == run(None, "thread")
