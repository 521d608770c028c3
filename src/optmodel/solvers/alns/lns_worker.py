"""The LNS worker process: ``python -m optmodel.solvers.alns.lns_worker PARENT_PID``.

A second ``Highs.run()`` started inside a callback of the host, in the same process, returns ``kNotset``
at once, so the sub-MIPs run here, in a child that holds its own ``Highs`` (model sent once, bounds fixed
and restored per step). Messages are pickles over the child's stdin/stdout (its fd 1 is pointed at
/dev/null first, so nothing a library prints can corrupt them). The child dies with its parent
(:func:`optmodel.parent_death.end_with_parent`: Linux ``PR_SET_PDEATHSIG`` plus a watchdog thread) and
ends at end-of-file on stdin.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from optmodel.solvers.alns.child_process import serve_on_stdio


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


if __name__ == "__main__":
    serve_on_stdio(serve)
