"""One place that keeps HiGHS's process-wide thread pool in step with the ``threads`` a run asks for.

HiGHS builds one task scheduler per process at its first run and refuses (``kError``, no solution, model
status "Not Set") every later run whose ``threads`` option names a different non-zero size. So before
any ``Highs.run()`` in this process we set the option explicitly and rebuild the pool when its size
must change. ``None`` means HiGHS's own default (option value 0, i.e. half the cores).

The scheduler HiGHS runs on belongs to the calling thread (measured with highspy 1.16: a reset in one thread
leaves another thread's pool as it was), so the size it was built for is tracked per thread.
"""

from __future__ import annotations

import threading
from typing import Any

#: Per thread: the ``threads`` option value its pool was built for (absent: no run has asked yet).
_pool = threading.local()


def use_highs_threads(highs: Any, threads: int | None) -> None:
    """Set ``threads`` on ``highs`` and make the process-wide pool fit it; call right before ``run()``.

    Rebuilding the pool while another thread of this process is inside ``Highs.run()`` would pull it
    from under that solve, so concurrent solves in one process must ask for the same ``threads``.
    """
    import highspy

    wanted = 0 if threads is None else int(threads)
    highs.setOptionValue("threads", wanted)
    built_for = getattr(_pool, "threads", None)
    if built_for != wanted:
        if built_for is not None or wanted != 0:
            highspy.Highs.resetGlobalScheduler(True)
        _pool.threads = wanted
