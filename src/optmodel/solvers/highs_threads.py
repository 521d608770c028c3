"""One place that keeps HiGHS's process-wide thread pool in step with the ``threads`` a run asks for.

HiGHS builds one task scheduler per process at its first run and refuses (``kError``, no solution, model
status "Not Set") every later run whose ``threads`` option names a different non-zero size. So before
any ``Highs.run()`` in this process we set the option explicitly and rebuild the pool when its size
must change. ``None`` means HiGHS's own default (option value 0, i.e. half the cores).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
#: The ``threads`` option value the current pool was built for (None: no run has asked yet).
_pool_threads: int | None = None


def use_highs_threads(highs: Any, threads: int | None) -> None:
    """Set ``threads`` on ``highs`` and make the process-wide pool fit it; call right before ``run()``.

    Rebuilding the pool while another thread of this process is inside ``Highs.run()`` would pull it
    from under that solve, so concurrent solves in one process must ask for the same ``threads``.
    """
    global _pool_threads
    import highspy

    wanted = 0 if threads is None else int(threads)
    highs.setOptionValue("threads", wanted)
    with _lock:
        if _pool_threads != wanted:
            if _pool_threads is not None or wanted != 0:
                highspy.Highs.resetGlobalScheduler(True)
            _pool_threads = wanted
