"""Suite-wide test settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI replays the same examples every run, so a landing is never decided by a lucky draw; locally hypothesis
# explores new examples each time (and remembers failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
