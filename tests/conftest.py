"""Suite-wide test settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI replays the same examples every run, so a landing is never decided by a lucky draw; locally hypothesis
# explores new examples each time (and remembers failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Ray reads its loopback switch once, when it is first imported, and maps 127.0.0.1 to the host's interface
# address unless cluster support is off. Whatever test module imports ray first, every Ray in the suite
# (and every `ray start` a test spawns, which inherits this) stays on loopback.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
