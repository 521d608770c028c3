"""Run the search in the host process (:mod:`~optmodel.solvers.alns.host_process`) and keep its
deadline whatever HiGHS does.

The parent keeps every incumbent the child streams, after checking it itself (feasible, its
objective recomputed here), and the latest dual bound. At the deadline a child that has not finished
(stuck in a HiGHS phase without callbacks) is killed with its whole process group, the tree mode's
LNS worker included, and the best checked incumbent is returned with a time-limit status and the gap
to the last bound. A child that dies or sends something malformed ends the run the same way, with a
note saying so: the answer is a checked incumbent or none, never a wrong one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from optmodel.errors import SolverError
from optmodel.solvers.alns.child_process import start_child
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.mip_data import INT_TOL, MipData
from optmodel.solvers.alns.search import SearchResult

#: How long closing waits for a killed child to be reaped.
EXIT_WAIT = 5.0


class HostProcess:
    """A started host process: :meth:`run` it once, :meth:`close` it always.

    Start it before reading the model, so its imports overlap the reading (or earlier still:
    :func:`start_host_early`)."""

    def __init__(self) -> None:
        self._spawning = time.perf_counter()
        # Its own process group, which its LNS worker joins: one kill ends both.
        self._process, self._outbox, self._inbox = start_child(
            "optmodel.solvers.alns.host_process", new_session=True
        )
        self._spawned = time.perf_counter()
        self._sent: float | None = None
        self._ready = False
        #: Set by :meth:`read_ahead`: the child reads the file itself; :meth:`run` sends the data.
        self._reading: str | None = None
        self._sender: threading.Thread | None = None

    def __enter__(self) -> HostProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def alive(self) -> bool:
        return self._process.poll() is None

    def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the child to say it has imported what the search
        needs; False when it did not (or died)."""
        if not self._ready:
            try:
                if self._inbox.poll(timeout):
                    self._ready = self._inbox.recv() == {"op": "ready"}
            except (OSError, EOFError):
                pass
        return self._ready

    @property
    def pid(self) -> int:
        """The child's pid, which is also its process group's id."""
        return self._process.pid

    def read_ahead(self, path: str | Path, config: AlnsConfig, start: float) -> None:
        """Tree mode on a file: have the child read ``path`` itself and start solving while this
        process reads it too (for its checks); then :meth:`run` sends only this process's model.
        HiGHS then starts as soon as in plain HiGHS, rather than after a second reading."""
        if config.mode != "tree":
            raise ValueError("only the tree mode reads ahead")
        self._reading = str(path)
        # small enough for the pipe's buffer: sent at once, even while the child imports
        self._send(self._solve_message(config, start, path=self._reading))

    @staticmethod
    def _solve_message(config: AlnsConfig, start: float, **model: Any) -> dict[str, Any]:
        # The monotonic clock is system-wide: the child subtracts the time the message took to
        # reach it.
        return {
            "op": "solve",
            **model,
            "config": config,
            "elapsed": time.perf_counter() - start,
            "sent_at": time.monotonic(),
        }

    def run(self, data: MipData, config: AlnsConfig, start: float) -> SearchResult:
        """Solve ``data`` in the child until ``start + config.time_limit`` (``time.perf_counter``)."""
        # The child stops itself before the deadline (the interrupt callback, the searches' own
        # margins); it is killed once the deadline itself has come, so packing the result uses the
        # slack allowed past it (max(2 %, 0.3 s)).
        read = time.perf_counter() - start
        if self._reading is not None:
            message = {"op": "data", "data": data}
        else:
            message = self._solve_message(config, start, data=data)
        # The model can exceed the pipe's buffer while the child is still importing: send it from
        # a thread so the deadline below holds even then.
        self._sender = threading.Thread(target=self._send, args=(message,), daemon=True)
        self._sender.start()
        run = _Run(data)
        try:
            result = self._follow(run, start + config.time_limit)
        finally:
            self.close()
        result.elapsed = time.perf_counter() - start
        result.counters["startup"] = {
            **self._startup(start, read, run.first_checked),
            **result.counters.get("startup", {}),
        }
        return result

    def _startup(self, start: float, read: float, first: float | None) -> dict[str, float | None]:
        """When (seconds from ``start``) the parent's side of the start-up ended: where the time to
        the first incumbent goes, with the child's side (:mod:`~optmodel.solvers.alns.host_process`)."""

        def since(moment: float | None) -> float | None:
            return None if moment is None else round(moment - start, 4)

        return {
            "spawn_began": since(self._spawning),
            "spawned": since(self._spawned),
            "model_read": round(read, 4),
            "model_sent": since(self._sent),
            "first_incumbent_checked": since(first),
        }

    def _follow(self, run: _Run, deadline: float) -> SearchResult:
        """Take the child's messages until it is done, fails or the deadline comes."""
        while True:
            wait = deadline - time.perf_counter()
            try:
                if wait <= 0 or not self._inbox.poll(wait):
                    return run.stopped("time_limit", "host process stopped at the deadline")
                message = self._inbox.recv()
            except (OSError, EOFError) as exc:  # died, or sent a truncated message
                code = self.close()
                return run.stopped("error", f"host process lost (exit code {code}): {exc!r}")
            except Exception as exc:  # an unreadable message
                return run.stopped("error", f"host process sent an unreadable message: {exc!r}")
            try:
                result = run.take(message)
            except (KeyError, TypeError, ValueError) as exc:
                return run.stopped("error", f"host process sent a malformed message: {exc!r}")
            if result is not None:
                return result

    def _send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the child is gone: the run sees it on its side
            self._outbox.send(message)
            self._sent = time.perf_counter()

    def close(self) -> int | None:
        """Kill the child and everything in its process group, reap it; returns its exit code."""
        if self._process.returncode is None:
            # the unreaped child keeps its pid, and so the group's id, ours
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
        try:
            code = self._process.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            code = None
        if self._sender is not None:
            self._sender.join(EXIT_WAIT)
        for end in (self._outbox, self._inbox):
            if not end.closed:
                end.close()
        return code


_early: HostProcess | None = None
_early_lock = threading.Lock()


def start_host_early(wait: float = 0.0) -> bool:
    """Start the next ALNS solve's host process now, so that its start-up (a fresh interpreter
    importing numpy and highspy: 0.2-0.3 s on an idle machine, more under load) overlaps the
    caller's own work: its imports, building or reading the model. The next solve in this process
    takes it; one never taken is killed when this process exits. Call it from a thread that lives
    until that solve: the host ends with the thread that started it (Linux's ``PR_SET_PDEATHSIG``).

    ``wait``: seconds to wait until the host has imported what it needs (a benchmark that starts its
    clock after the solvers' imports); returns whether it had. A host already waiting is kept.
    """
    global _early
    with _early_lock:
        if _early is None or not _early.alive():
            if _early is not None:
                _early.close()
            _early = HostProcess()
        return _early.wait_ready(wait) if wait > 0 else False


def take_host() -> HostProcess:
    """The host :func:`start_host_early` started, while it is alive; else a new one."""
    global _early
    with _early_lock:
        host, _early = _early, None
    if host is not None and host.alive():
        return host
    if host is not None:
        host.close()
    return HostProcess()


@atexit.register
def _close_early() -> None:
    with _early_lock:
        if _early is not None:
            _early.close()


class _Run:
    """What the parent knows of the run: checked incumbents, the bound, the trajectory."""

    def __init__(self, data: MipData) -> None:
        self.data = data
        self.x: np.ndarray | None = None
        self.min_objective = np.inf
        self.bound: float | None = None
        self.points: list[dict[str, Any]] = []
        self.notes: list[str] = []
        #: When (``time.perf_counter``) the first incumbent passed the check here.
        self.first_checked: float | None = None

    def take(self, message: dict[str, Any]) -> SearchResult | None:
        """Take one message; the final result once the child is done (raises on malformed ones)."""
        op = message["op"]
        if op == "point":
            point = dict(message["point"])
            float(point["time"])
            self.points.append(point)
            if message["x"] is not None:
                self.offer(message["x"])
            return None
        if op == "bound":
            self.bound = float(message["value"])
            return None
        if op == "ready":  # nobody waited for it before the run
            return None
        if op == "error":
            return self.stopped("error", f"host process failed: {message['message']}")
        if op == "done":
            return self.finished(message["result"])
        raise ValueError(f"unknown message {op!r}")

    def offer(self, sent: Any) -> bool:
        """Keep ``sent``, its integer columns rounded, when it is a feasible solution better than
        the one kept; False when it is not a feasible solution at all."""
        x = np.array(sent, dtype=float)
        if x.shape == (self.data.n_cols,):
            # Every answer, however it ends, comes from here: integral values are integers.
            x[self.data.integer] = np.round(x[self.data.integer]) + 0.0  # -0.0 -> 0.0
        if (
            x.shape != (self.data.n_cols,)
            or np.max(np.abs(x - sent), initial=0.0) > INT_TOL
            or not self.data.is_feasible(x)
        ):
            self.notes.append("host process sent an infeasible solution; it was ignored")
            return False
        objective = self.data.sense * self.data.objective(x)
        if objective < self.min_objective:
            self.x, self.min_objective = x, objective
            if self.first_checked is None:
                self.first_checked = time.perf_counter()
        return True

    def finished(self, result: SearchResult) -> SearchResult:
        """The child's own result, its solution checked here and the wall time the parent's."""
        if not isinstance(result, SearchResult):
            raise TypeError(f"a result of type {type(result).__name__}")
        if result.x is not None and not self.offer(result.x):
            return self.stopped("error", "host process returned an infeasible solution")
        result.x, result.objective = self.x, self.objective()
        result.notes = [*result.notes, *self.notes]
        return result

    def objective(self) -> float | None:
        return None if self.x is None else self.data.sense * self.min_objective

    def stopped(self, termination: str, why: str) -> SearchResult:
        """The result of a run that did not finish: the best checked incumbent and the last bound."""
        bound = self.bound
        if bound is not None and self.x is not None:
            slack = 1e-6 * max(1.0, abs(self.min_objective))
            if not np.isfinite(bound) or self.data.sense * bound > self.min_objective + slack:
                self.notes.append(f"host process sent a bound {bound} past the incumbent; dropped")
                bound = None
        elif bound is not None and not np.isfinite(bound):
            bound = None
        if termination == "error" and self.x is None:
            raise SolverError(f"ALNS: {why}")
        return SearchResult(
            x=self.x,
            objective=self.objective(),
            termination=termination,
            dual_bound=bound,
            # LNS iterations and tree steps are the points with a sub-MIP limit
            iterations=sum("limit" in point for point in self.points),
            elapsed=0.0,  # set by the caller once the child is gone
            trajectory=self.points,
            notes=[why, *self.notes],
            counters={"host_process": "stopped"},
        )
