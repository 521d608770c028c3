"""The LNS worker process: ``python -m optmodel.solvers.alns.lns_worker PARENT_PID``.

A second ``Highs.run()`` started inside a callback of the host, in the same process, returns ``kNotset``
at once, so the sub-MIPs run here, in a child that holds its own ``Highs`` (model sent once, bounds fixed
and restored per step). Messages are pickles over the child's stdin/stdout (its fd 1 is pointed at
/dev/null first, so nothing a library prints can corrupt them). The child dies with its parent: Linux
``PR_SET_PDEATHSIG``, a parent-pid watchdog thread, and end-of-file on stdin.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

#: ``prctl`` option number (linux/prctl.h).
PR_SET_PDEATHSIG = 1
WATCHDOG_PERIOD = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Exit as soon as ``parent_pid`` is gone, whatever killed it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still applies

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(0)
            time.sleep(WATCHDOG_PERIOD)

    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def serve(inbox: Connection, outbox: Connection) -> None:
    """Answer ``load`` once, then ``step`` requests until end of input (the parent kills it when done)."""
    try:
        message = inbox.recv()
        from optmodel.solvers.alns.lns_steps import LnsSteps

        steps = LnsSteps(message["data"], message["config"])
    except EOFError:
        return
    except Exception as exc:  # reported to the parent, which then lets the tree run alone
        outbox.send({"op": "error", "message": f"{type(exc).__name__}: {exc}"})
        return
    outbox.send({"op": "ready"})
    while True:
        try:
            message = inbox.recv()
        except EOFError:
            return
        if message["op"] != "step":
            return
        reply: Any
        try:
            reply = {"op": "result", "result": steps.step(message["x"], message["limit"])}
        except Exception as exc:
            reply = {"op": "error", "message": f"{type(exc).__name__}: {exc}"}
        outbox.send(reply)


def main() -> None:
    die_with_parent(int(sys.argv[1]))
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # HiGHS prints its banner to the C stdout
    serve(Connection(os.dup(0), writable=False), Connection(out_fd, readable=False))


if __name__ == "__main__":
    main()
