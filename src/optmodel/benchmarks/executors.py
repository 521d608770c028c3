"""Where solving runs: a local process pool by default, Ray across machines as the optional path."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from optmodel.errors import MissingExtraError
from optmodel.parent_death import end_with_parent


class RayExecutor(Executor):
    """A ``concurrent.futures.Executor`` that runs each call as a Ray task (``pip install 'optmodel[ray]'``)."""

    def __init__(self, address: str | None = None, num_cpus_per_task: float = 1.0) -> None:
        try:
            import ray
        except ImportError as exc:
            raise MissingExtraError("ray", "ray", "the Ray executor") from exc
        self._ray = ray
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        self._num_cpus = num_cpus_per_task

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        remote = self._ray.remote(num_cpus=self._num_cpus)(fn)
        future: Future[Any] = remote.remote(*args, **kwargs).future()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # Ray is shared with the rest of the process; leave it running for the caller.
        return None


def make_executor(kind: str, workers: int) -> Executor:
    """``process`` (default), ``thread`` (no pickling; for debugging), ``ray`` or ``ray:ADDRESS``."""
    if kind == "process":
        # Workers end with this process, however it dies: a killed bench leaves no solver running.
        return ProcessPoolExecutor(
            max_workers=workers, initializer=end_with_parent, initargs=(os.getpid(),)
        )
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers)
    if kind == "ray" or kind.startswith("ray:"):
        return RayExecutor(kind.partition(":")[2] or None)
    raise ValueError(f"unknown executor {kind!r}; use process, thread, ray or ray:ADDRESS")
