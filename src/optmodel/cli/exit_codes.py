"""Exit codes of the ``optmodel`` command; scripts can rely on them."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # solved: optimal, or feasible within the limits given
    ERROR = 1  # unexpected failure, unreadable file, solver error
    USAGE = 2  # bad command line (typer's own code)
    INVALID_MODEL = 3  # the model has validation or compile errors
    INFEASIBLE = 4
    UNBOUNDED = 5
    NO_SOLUTION = 6  # stopped (e.g. time limit) without any solution
    PENDING = 7  # batch requests were written; run them, then run the command again
    NOT_CONFIGURED = 8  # no LLM configured
    LLM_FAILED = (
        9  # the LLM could not be reached or answered with errors (network, HTTP status, timeout)
    )
    MISSING_DATA = (
        10  # the answer rests on data the text does not give (or none could be formulated)
    )
