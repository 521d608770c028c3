"""The two ends of a helper process (the host search, the LNS worker) that talks over its stdin and stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from optmodel.parent_death import end_with_parent


def start_child(
    module: str, *, new_session: bool = False
) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """Start ``python -m MODULE <our pid>`` with this package importable; return it, its outbox and inbox."""
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", module, str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=new_session,
    )
    assert process.stdin is not None and process.stdout is not None
    outbox = Connection(os.dup(process.stdin.fileno()), readable=False)
    inbox = Connection(os.dup(process.stdout.fileno()), writable=False)
    process.stdin.close()
    process.stdout.close()
    return process, outbox, inbox


def serve_on_stdio(serve: Callable[[Connection, Connection], None]) -> None:
    """The child's side: end with the parent (pid in argv[1]) and serve messages over stdin/stdout."""
    end_with_parent(int(sys.argv[1]))
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(
        devnull, 1
    )  # HiGHS prints its banner to the C stdout, which must not reach the message pipe
    serve(Connection(os.dup(0), writable=False), Connection(out_fd, readable=False))
