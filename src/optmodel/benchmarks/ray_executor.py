"""Run solves as Ray tasks: a private local Ray, or a cluster named by ``ray:ADDRESS`` / ``RAY_ADDRESS``.

``pip install 'optmodel[ray]'``. A plain ``--executor ray`` never joins a cluster by accident: it starts
its own Ray on 127.0.0.1 (no dashboard) and stops it at the end; only an explicit address (or
``RAY_ADDRESS``) joins a cluster. Either way it says which, once, on stderr.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from optmodel.errors import MissingExtraError

_LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def _announce(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class RayExecutor(Executor):
    """A ``concurrent.futures.Executor`` running each call as a Ray task, at most ``max_in_flight`` at once.

    Each function gets its Ray remote wrapper once per executor (Ray keeps one task type per wrapper).
    Worker output reaches the driver's terminal, and a task's exception is raised from its future as an
    instance of the original exception's class.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        max_in_flight: int = 2,
        num_cpus_per_task: float = 1.0,
        announce: Callable[[str], None] = _announce,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        address = address or os.environ.get("RAY_ADDRESS") or None
        if not address and "ray" not in sys.modules:
            # Ray maps 127.0.0.1 to the host's interface address unless its cluster support is off
            # (read once, when ray is imported): a private Ray then stays on loopback.
            os.environ.setdefault(_LOOPBACK_SWITCH, "0")
        try:
            import ray
        except ImportError as exc:
            raise MissingExtraError("ray", "ray", "the Ray executor") from exc
        self._ray = ray
        self._owns_ray = False
        if ray.is_initialized():
            self.description = "Ray: using the Ray runtime already started in this process"
        elif address:
            ray.init(address=address, log_to_driver=True)
            self.description = f"Ray: joined the cluster at {address}"
        else:
            # address="local" starts a new Ray even where RAY_ADDRESS or a running cluster exists;
            # it binds to loopback only (Ray would otherwise advertise the host's interface address).
            ray.init(
                address="local",
                num_cpus=math.ceil(num_cpus_per_task * max_in_flight),
                include_dashboard=False,
                log_to_driver=True,
                _node_ip_address="127.0.0.1",
            )
            self._owns_ray = True
            where = ray.util.get_node_ip_address()
            self.description = (
                f"Ray: started a private local Ray on {where} ({max_in_flight} tasks at a time, "
                "no dashboard); use --executor ray:ADDRESS or RAY_ADDRESS for a cluster"
            )
        announce(self.description)
        self._num_cpus = num_cpus_per_task
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._remotes: dict[Callable[..., Any], Any] = {}
        self._lock = threading.Lock()

    def _remote(self, fn: Callable[..., Any]) -> Any:
        with self._lock:
            remote = self._remotes.get(fn)
            if remote is None:
                remote = self._ray.remote(num_cpus=self._num_cpus)(fn)
                self._remotes[fn] = remote
            return remote

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Start ``fn(*args, **kwargs)`` as a Ray task; waits while ``max_in_flight`` tasks run."""
        remote = self._remote(fn)
        self._slots.acquire()
        try:
            future: Future[Any] = remote.remote(*args, **kwargs).future()
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # A private Ray is ours to stop; a cluster (or a Ray the caller started) is left running.
        if self._owns_ray:
            self._ray.shutdown()
            self._owns_ray = False
