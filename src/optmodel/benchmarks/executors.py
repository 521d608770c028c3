"""Where solving runs: a local process pool by default, Ray across machines as the optional path."""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from optmodel.parent_death import end_with_parent

#: What ``--executor`` accepts, for help texts and errors (``optmodel bench`` and the ALNS benchmark).
EXECUTOR_KINDS = "process, thread, ray or ray:ADDRESS"


def make_executor(kind: str, workers: int) -> Executor:
    """``process`` (default), ``thread`` (no pickling; for debugging), ``ray`` or ``ray:ADDRESS``.

    Under every kind at most ``workers`` calls run at once.
    """
    if kind == "process":
        # Workers end with this process, however it dies: a killed bench leaves no solver running.
        return ProcessPoolExecutor(
            max_workers=workers, initializer=end_with_parent, initargs=(os.getpid(),)
        )
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers)
    if kind == "ray" or kind.startswith("ray:"):
        from optmodel.benchmarks.ray_executor import RayExecutor

        return RayExecutor(kind.partition(":")[2] or None, max_in_flight=workers)
    raise ValueError(f"unknown executor {kind!r}; use {EXECUTOR_KINDS}")
