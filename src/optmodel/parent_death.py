"""Worker processes end when the process that started them dies, however it dies (SIGKILL included).

A pool worker busy in a solve, or idle on its task queue, would otherwise outlive a killed ``bench``
for as long as the solve runs, or forever. Two guards, because neither covers every case alone:

- on Linux the kernel sends the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG`` through
  ``prctl``), even while the worker is inside a solver that holds the GIL;
- a daemon thread checks every ``poll_s`` seconds that the parent is still the one it started with
  and the watched process is alive, and ends the worker otherwise (other platforms, and a parent that
  is not the watched process, e.g. a fork server).

``PR_SET_PDEATHSIG`` fires when the *thread* that forked the worker ends. ``concurrent.futures``
forks all of a pool's workers at the first ``submit``; whoever owns a pool of such workers should
submit from a thread that lives as long as the pool (``run_benchmark`` owns its pool in one thread).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with_parent(watched_pid: int, poll_s: float = 0.5) -> None:
    """Make the calling process end when ``watched_pid`` (the process that started it) dies.

    Meant as a pool ``initializer`` with ``initargs=(os.getpid(),)`` taken in the parent.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        _set_parent_death_signal(signal.SIGKILL)
    if not _alive(watched_pid, parent):  # the parent died before the signal was armed
        os._exit(1)
    watchdog = threading.Thread(
        target=_watch, args=(watched_pid, parent, poll_s), name="optmodel-parent-watch", daemon=True
    )
    watchdog.start()


def _set_parent_death_signal(signum: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(errno)}")


def _watch(watched_pid: int, parent: int, poll_s: float) -> None:
    while _alive(watched_pid, parent):
        time.sleep(poll_s)
    os._exit(1)  # no cleanup: the work belongs to a run that no longer exists


def _alive(watched_pid: int, parent: int) -> bool:
    if os.getppid() != parent:  # re-parented: whoever started us is gone
        return False
    try:
        os.kill(watched_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return not _is_zombie(watched_pid)


def _is_zombie(pid: int) -> bool:
    """A dead process its parent has not reaped yet still answers kill(pid, 0); /proc says 'Z'."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
