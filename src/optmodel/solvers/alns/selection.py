"""Operator selection: MABWiser bandit policies behind ``alns.select.MABSelector``, fed time-aware rewards."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from optmodel.errors import MissingExtraError
from optmodel.solvers.alns.rewards import Reward, TimeAwareReward
from optmodel.solvers.alns.state import MipState

#: An improvement counts as a success for Thompson sampling when its gain reaches a third of the
#: recent average (score = gain / (gain + reference) >= 0.25).
THOMPSON_SUCCESS = 0.25

#: Called after every iteration with (candidate, destroy index, outcome index, reward).
UpdateHook = Callable[[MipState, int, int, float], None]


def _thompson_binarizer(arm: Any, reward: float) -> bool:
    return reward >= THOMPSON_SUCCESS


def load_bandit_dependencies() -> None:
    """Import ``alns`` and ``mabwiser`` now (2-5 s: MABWiser pulls in scikit-learn, ``alns``
    matplotlib), raising :class:`MissingExtraError` when one is missing."""
    try:
        import alns.select  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("alns", "bandit", "the ALNS meta-solver") from exc
    try:
        import mabwiser.mab  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("mabwiser", "bandit", "the ALNS operator selection") from exc


def check_bandit_dependencies() -> None:
    """Raise :class:`MissingExtraError` unless ``alns`` and ``mabwiser`` are installed (imports nothing)."""
    for package, purpose in (
        ("alns", "the ALNS meta-solver"),
        ("mabwiser", "the ALNS operator selection"),
    ):
        if importlib.util.find_spec(package) is None:
            raise MissingExtraError(package, "bandit", purpose)


_loader_lock = threading.Lock()
_loader: threading.Thread | None = None
_load_error: list[BaseException] = []


def load_bandit_dependencies_within(seconds: float) -> bool:
    """Import the bandit libraries, waiting at most ``seconds``; True once they are in.

    A search imports them only when its first LNS iteration is due, inside its budget (highspy holds
    the GIL while it solves, so the import cannot overlap a solve anyway). The import runs in a thread
    so that a deadline is kept even when it is slower than the time left; it then ends in the
    background and a later call finds it done.
    """
    global _loader
    if "alns.select" in sys.modules and "mabwiser.mab" in sys.modules:
        return True
    with _loader_lock:
        if _loader is None:
            _loader = threading.Thread(target=_load_in_thread, name="bandit-import", daemon=True)
            _loader.start()
        loader = _loader
    loader.join(max(0.0, seconds))
    if loader.is_alive():
        return False
    if _load_error:
        raise _load_error[0]
    return True


def _load_in_thread() -> None:
    try:
        load_bandit_dependencies()
    except BaseException as exc:  # handed to the caller, which raises it
        _load_error.append(exc)


def learning_policy(name: str) -> Any:
    """The MABWiser learning policy for ``name`` (rewards live in [0, 1))."""
    try:
        from mabwiser.mab import LearningPolicy
    except ImportError as exc:
        raise MissingExtraError("mabwiser", "bandit", "the ALNS operator selection") from exc
    policies = {
        "thompson": lambda: LearningPolicy.ThompsonSampling(binarizer=_thompson_binarizer),
        # Rewards are per time quantum, mostly zeros: means are small, so exploration is scaled down.
        "ucb": lambda: LearningPolicy.UCB1(alpha=0.1),
        "epsilon_greedy": lambda: LearningPolicy.EpsilonGreedy(epsilon=0.1),
        "softmax": lambda: LearningPolicy.Softmax(tau=0.02),
    }
    if name not in policies:
        raise ValueError(f"unknown bandit policy {name!r}; choose from {', '.join(policies)}")
    return policies[name]()


def make_selector(
    policy: str,
    num_destroy: int,
    seed: int,
    reward: TimeAwareReward,
    on_update: UpdateHook,
) -> Any:
    """A ``MABSelector`` that tries every operator once, then follows the bandit on time-aware rewards."""
    try:
        from alns.select import MABSelector
        from alns.select.MABSelector import ops2arm
    except ImportError as exc:
        raise MissingExtraError("alns", "bandit", "the ALNS meta-solver") from exc

    class TimeAwareSelector(MABSelector):
        def __init__(self) -> None:
            # The per-outcome scores are required by MABSelector but unused: update() overrides them.
            super().__init__(
                [1.0, 1.0, 0.0, 0.0], num_destroy, 1, learning_policy(policy), seed=seed
            )
            self._untried = list(range(num_destroy))

        def __call__(self, rng: np.random.Generator, best: Any, curr: Any) -> tuple[int, int]:
            # MABWiser gives untried arms no optimism (UCB, softmax), so try each once first.
            if self._untried:
                return self._untried.pop(int(rng.integers(len(self._untried)))), 0
            d_idx, r_idx = super().__call__(rng, best, curr)
            return int(d_idx), int(r_idx)

        def update(self, candidate: MipState, d_idx: int, r_idx: int, outcome: Any) -> None:
            earned = reward(candidate.move) if candidate.move is not None else Reward(0.0, 1)
            observations = earned.observations()
            self.mab.partial_fit([ops2arm(d_idx, r_idx)] * len(observations), observations)
            on_update(candidate, d_idx, int(outcome), earned.score)

    return TimeAwareSelector()
