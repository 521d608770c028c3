"""The host's handle on the LNS worker process (see :mod:`optmodel.solvers.alns.lns_worker`).

The worker starts at once and loads the model (and its bandit library) while HiGHS works on the root,
so the host never waits for it: until it reports ready, every offer simply lets the tree run. A step
that does not answer within its limit plus a grace period gets the worker killed; the host then goes
on alone, so a stuck sub-MIP can never hold the deadline hostage.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from optmodel.solvers.alns.child_process import start_child
from optmodel.solvers.alns.config import AlnsConfig
from optmodel.solvers.alns.lns_steps import StepResult
from optmodel.solvers.alns.mip_data import MipData

#: Seconds a step may outlast its limit before the worker is given up (HiGHS checks its limit between
#: phases, so small overruns are normal).
STEP_GRACE = 0.3
#: How long closing waits for the thread that sends the model (it fails once the worker is killed).
EXIT_WAIT = 0.5


class LnsWorker:
    """A started worker process; call :meth:`close` when done (also on errors)."""

    def __init__(self, data: MipData, config: AlnsConfig) -> None:
        self._process, self._outbox, self._inbox = start_child("optmodel.solvers.alns.lns_worker")
        self.ready = False
        self.failure: str | None = None
        # The model can exceed the pipe's buffer: send it from a thread so the host never blocks on a
        # child that is still importing.
        self._loader = threading.Thread(
            target=self._send, args=({"op": "load", "data": data, "config": config},), daemon=True
        )
        self._loader.start()

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._outbox.send(message)
        except OSError as exc:
            self.failure = self.failure or f"worker pipe closed: {exc}"

    def poll_ready(self) -> bool:
        """True once the worker has loaded the model; never blocks."""
        if self.ready or self.failure is not None:
            return self.ready
        try:
            if self._inbox.poll(0):
                message = self._inbox.recv()
                self.ready = message["op"] == "ready"
                if not self.ready:
                    self.failure = message.get("message", "worker failed to start")
        except (OSError, EOFError) as exc:
            self.failure = f"worker exited while starting: {exc!r}"
        return self.ready

    def step(self, x: np.ndarray, limit: float, wait: float) -> StepResult | None:
        """Run one step within ``limit`` seconds; None (and the worker is killed) when no answer comes
        within ``wait`` seconds or the worker failed."""
        if not self.ready:
            return None
        try:
            self._outbox.send({"op": "step", "x": x, "limit": limit})
            if not self._inbox.poll(wait):
                self._give_up(f"a step gave no answer within {wait:.2f}s")
                return None
            message = self._inbox.recv()
        except (OSError, EOFError) as exc:
            self._give_up(f"worker lost: {exc!r}")
            return None
        if message["op"] != "result":
            self._give_up(message.get("message", "worker error"))
            return None
        result: StepResult = message["result"]
        return result

    def _give_up(self, reason: str) -> None:
        self.failure, self.ready = reason, False
        self._process.kill()

    def close(self) -> None:
        """Kill the worker (it holds nothing worth a graceful exit) and release the pipes."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._loader.join(EXIT_WAIT)
        self._outbox.close()
        self._inbox.close()
