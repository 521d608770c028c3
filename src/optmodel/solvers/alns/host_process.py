"""The host process: ``python -m optmodel.solvers.alns.host_process PARENT_PID``.

HiGHS does not always keep its time limit: it checks it where it calls its callbacks, and some root
phases call none for seconds (plain HiGHS, 20 s limit, independent-set transfer instance: 24.78 s of
wall time). So the whole search, in either mode (the tree mode's LNS worker is this process's child),
runs here, in a process the parent can kill at the deadline
(:mod:`~optmodel.solvers.alns.host_client`); every incumbent and the dual bound are streamed to the
parent as they come, so a kill loses nothing found before it.

Messages are pickles over stdin/stdout (fd 1 is pointed at /dev/null first, so nothing a library
prints can corrupt them):

- child -> parent, once it has imported what the search needs: ``{"op": "ready"}``;
- parent -> child: ``{"op": "solve", "data": MipData, "config": AlnsConfig, "elapsed": float,
  "sent_at": float}``: the seconds of the budget spent when it was sent (reading, the parent's
  start-up), and when (``time.monotonic()``, a system-wide clock: the wait for this process's
  imports counts too); or, tree mode on a file, ``"path": str`` in place of ``"data"``, sent
  before the parent reads the file: HiGHS reads it here and starts at once, and the parent's
  ``{"op": "data", "data": MipData}`` follows, taken at the first incumbent (its size checked
  against the model read here);
- child -> parent: ``{"op": "point", "point": dict, "x": ndarray | None}`` (a trajectory point, with
  the new incumbent when it records one), ``{"op": "bound", "value": float}``,
  then ``{"op": "done", "result": SearchResult}`` or ``{"op": "error", "message": str}``.

The child dies with its parent (:func:`optmodel.parent_death.end_with_parent`).
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import numpy as np

from optmodel.solvers.alns.child_process import serve_on_stdio

if TYPE_CHECKING:
    from optmodel.solvers.alns.config import AlnsConfig
    from optmodel.solvers.alns.mip_data import MipData
    from optmodel.solvers.alns.search import SearchResult
    from optmodel.solvers.alns.trajectory import Progress

#: The bound is sent at most this often (the tree calls back thousands of times a second at the
#: root), and with every incumbent; a bound held back is only a weaker one, so the parent's gap
#: stays honest.
BOUND_EVERY = 0.2


class _Stream:
    """The :class:`~optmodel.solvers.alns.trajectory.Progress` that sends to the parent."""

    def __init__(self, outbox: Connection) -> None:
        self.outbox = outbox
        self.latest_bound: float | None = None
        self.sent_bound: float | None = None
        self.sent_at = -np.inf

    def point(self, point: dict[str, Any], x: np.ndarray | None) -> None:
        self._send_bound()  # a bound held back goes with the incumbent
        self.outbox.send({"op": "point", "point": point, "x": x})

    def bound(self, value: float) -> None:
        self.latest_bound = value
        if time.perf_counter() - self.sent_at >= BOUND_EVERY:
            self._send_bound()

    def _send_bound(self) -> None:
        if self.latest_bound is not None and self.latest_bound != self.sent_bound:
            self.outbox.send({"op": "bound", "value": self.latest_bound})
            self.sent_bound, self.sent_at = self.latest_bound, time.perf_counter()


def search_in_mode(
    data: MipData, config: AlnsConfig, start: float, progress: Progress | None = None
) -> SearchResult:
    """Run the search ``config.mode`` names, in this process: LNS inside HiGHS's tree, or the
    stand-alone LNS."""
    from optmodel.solvers.alns.search import run_search
    from optmodel.solvers.alns.tree import run_tree_search

    search = run_search if config.mode == "lns" else run_tree_search
    return search(data, config, start, progress)


def search_file(
    path: str, inbox: Connection, config: AlnsConfig, start: float, progress: Progress
) -> SearchResult:
    """Tree mode on the file at ``path``, read here by HiGHS itself (as plain HiGHS reads it) while
    the parent reads it too, for its checks; the parent's :class:`MipData` follows on ``inbox`` and
    is taken when the search first needs it (its first incumbent)."""
    from optmodel.solvers.alns.mip_reading import read_highs
    from optmodel.solvers.alns.tree import run_tree_search

    highs = read_highs(path, threads=config.threads, seed=config.seed)
    failure: list[Exception] = []
    arrived: list[float] = []

    def the_parents_model() -> MipData:
        if failure:  # once failed (inside a HiGHS callback, which then stops), failed for good
            raise failure[0]
        try:
            message = inbox.recv()
            if message["op"] != "data":
                raise ValueError(f"expected the model, got {message['op']!r}")
            data: MipData = message["data"]
            if (data.n_cols, data.n_rows) != (highs.getNumCol(), highs.getNumRow()):
                raise ValueError(f"{path}: the model read here and the parent's differ")
        except Exception as exc:
            failure.append(exc)
            raise
        arrived.append(round(time.perf_counter() - start, 4))
        return data

    result = run_tree_search(the_parents_model, config, start, progress, highs=highs)
    result.counters["startup"]["model_taken"] = arrived[0]
    return result


def _import_the_search() -> None:
    """Everything either mode needs before its first solution (highspy, both searches, the HiGHS
    sub-MIP): imported while the parent reads the model, not after it arrives (measured: highspy and
    the tree module came 0.02-0.04 s after the model did)."""
    import highspy  # noqa: F401

    import optmodel.solvers.alns.highs_submip
    import optmodel.solvers.alns.search
    import optmodel.solvers.alns.tree  # noqa: F401


def serve(inbox: Connection, outbox: Connection) -> None:
    """Solve the one model the parent sends and stream the run back."""
    _import_the_search()
    imported = time.monotonic()
    outbox.send({"op": "ready"})
    try:
        message = inbox.recv()
    except EOFError:
        return
    received = time.monotonic()
    # The system-wide clock's reading when the parent's budget began.
    began = message["sent_at"] - message["elapsed"]
    start = time.perf_counter() - message["elapsed"] - max(received - message["sent_at"], 0.0)
    try:
        if "path" in message:
            result = search_file(message["path"], inbox, message["config"], start, _Stream(outbox))
        else:
            result = search_in_mode(message["data"], message["config"], start, _Stream(outbox))
    except Exception as exc:  # the parent raises it as a SolverError
        outbox.send({"op": "error", "message": f"{type(exc).__name__}: {exc}"})
        return
    result.counters["startup"] = {
        "host_imported": round(imported - began, 4),
        "model_received": round(received - began, 4),
        **result.counters.get("startup", {}),
    }
    outbox.send({"op": "done", "result": result})


if __name__ == "__main__":
    serve_on_stdio(serve)
