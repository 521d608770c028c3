"""One exception tree for optmodel. Every user-facing error says what to do next.

Infeasible, unbounded and time-limited solves are *results*, not exceptions; exceptions are for misuse,
bad input that cannot be turned into a result, and broken installs.
"""

from __future__ import annotations


class OptmodelError(Exception):
    """Base class of every error optmodel raises on purpose."""


class MissingExtraError(OptmodelError, ImportError):
    """An optional dependency is not installed; the message names the extra that provides it."""

    def __init__(self, package: str, extra: str, purpose: str = "") -> None:
        self.package = package
        self.extra = extra
        what = f" (needed for {purpose})" if purpose else ""
        super().__init__(
            f"{package} is not installed{what}; install it with: pip install 'optmodel[{extra}]'"
        )


class FormulationError(OptmodelError):
    """A Formulation is invalid. ``issues`` holds every problem found, each with a path and a hint."""

    def __init__(self, issues: list, message: str | None = None) -> None:  # list[Issue]
        self.issues = issues
        lines = [message or f"the formulation has {len(issues)} problem(s):"]
        lines += [f"  - {issue}" for issue in issues]
        super().__init__("\n".join(lines))


class ExpressionError(OptmodelError):
    """An expression string uses syntax outside the whitelisted language."""

    def __init__(self, message: str, *, expression: str = "", hint: str = "") -> None:
        self.expression = expression
        self.hint = hint
        super().__init__(message)


class CompileError(OptmodelError):
    """A valid-looking Formulation could not be turned into a Pyomo model (e.g. a key outside a set)."""

    def __init__(self, message: str, *, path: str = "", hint: str = "") -> None:
        self.path = path
        self.hint = hint
        super().__init__(f"{path}: {message}" if path else message)


class ModelFileError(OptmodelError):
    """A model file (JSON, YAML, LP, MPS) could not be read; nothing was solved."""


class SolverUnavailableError(OptmodelError):
    """The requested solver is not installed or cannot be loaded."""


class SolverCapabilityError(OptmodelError):
    """The requested solver cannot handle this class of problem (it would give a wrong answer)."""


class SolverError(OptmodelError):
    """The solver failed in a way that produced no usable result (crash, bad options)."""


class LLMError(OptmodelError):
    """An LLM provider failed (network, auth, malformed response) after its retries."""


class LLMNotConfiguredError(LLMError):
    """No LLM is configured; the message says how to configure one."""


class PendingBatchError(LLMError):
    """A batch-file provider wrote requests that must be run offline before the run can continue."""


class BudgetExceededError(OptmodelError):
    """A call or token budget ran out."""


class DatasetError(OptmodelError):
    """A benchmark dataset is missing, corrupted, or its checksum does not match."""


class LibraryError(OptmodelError):
    """An experience-library file or database is invalid; nothing was changed."""
