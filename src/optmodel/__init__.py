"""optmodel: plain-language optimization problems to validated, solved models on open solvers."""

from __future__ import annotations

__version__ = "0.1.0"
