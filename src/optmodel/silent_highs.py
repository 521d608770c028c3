"""A silent highspy ``Highs``, importable without Pyomo (``optmodel.standard_form`` imports Pyomo).

The ALNS's host and worker processes start inside a solve's time limit, so they import only this,
numpy and highspy.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import highspy

_banner_lock = threading.Lock()
_banner_shown = False


def new_highs() -> highspy.Highs:
    """A silent ``Highs``: the first one in a process prints a banner to the C stdout, which would corrupt
    machine-readable output, so that one is built with fd 1 pointed at /dev/null."""
    global _banner_shown
    import highspy

    with _banner_lock:
        if _banner_shown:
            highs = highspy.Highs()
        else:
            with _stdout_silenced():
                highs = highspy.Highs()
            _banner_shown = True
    highs.setOptionValue("output_flag", False)
    return highs


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (
        OSError,
        ValueError,
    ):  # no real fd 1 (e.g. some embedded interpreters): accept the banner
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
