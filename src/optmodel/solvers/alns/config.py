"""Settings of the ALNS meta-solver, validated at construction and readable from ``solver_options``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

#: Sub-MIP node limit in deterministic mode when ``sub_mip_node_limit`` is not given.
DETERMINISTIC_NODE_LIMIT = 1000
#: Bandit policies (MABWiser learning policies) by the names users pass.
POLICIES = ("thompson", "ucb", "epsilon_greedy", "softmax")
SUB_SOLVERS = ("highs", "cpsat")
#: "tree": HiGHS solves the full model and the LNS runs inside it as a primal heuristic; "lns": the
#: stand-alone LNS (a capped initial HiGHS solve, then sub-MIPs only); "auto" (the default): "tree", or
#: "lns" where the tree mode cannot run (CP-SAT sub-MIPs, deterministic runs). The tree mode keeps
#: HiGHS's dual bound, so its gap is honest, and it is the steadier of the two: 30 s, one thread, two
#: seeds, 14 instances (benchmarks/results/alns_v2_round8), per-instance primal integral 1.01x plain
#: HiGHS's on average (worst 1.25x) against 1.10x (worst 2.05x) for the stand-alone LNS.
MODES = ("tree", "lns")
#: Every destroy operator, in the order they are registered with the ALNS.
OPERATORS = (
    "random",
    "rins",
    "rens",
    "dins",
    "local_branching",
    "proximity",
    "crossover",
    "constraint_block",
)


@dataclass(frozen=True)
class AlnsConfig:
    """How the search runs. Rates are the share of integer columns a neighbourhood leaves free.

    ``time_limit`` is wall clock from the start of :func:`solve_mps` (reading and the initial solve
    included); ``max_iterations`` bounds the number of ALNS iterations, which gives reproducible runs.
    """

    time_limit: float = 60.0
    mode: str = "auto"
    #: Tree mode: the share of the wall time so far that sub-MIPs may take until both sides have
    #: earned something; then the earning rates set it (:mod:`~optmodel.solvers.alns.tree_share`).
    lns_share: float = 0.3
    max_iterations: int | None = None
    seed: int = 0
    policy: str = "thompson"
    sub_solver: str = "highs"
    operators: tuple[str, ...] = OPERATORS
    destroy_rate: float = 0.3
    min_destroy_rate: float = 0.02
    max_destroy_rate: float = 0.9
    #: Share of the budget the initial full-model solve may use (more only while it has no solution).
    initial_time_fraction: float = 0.2
    #: Initial solve stops once it has a solution and found nothing better for this share of the budget.
    initial_stall_fraction: float = 0.02
    #: Per-iteration time limit: starts at ``iteration_time_fraction * time_limit``, adapts within bounds.
    iteration_time_fraction: float = 0.03
    min_iteration_time: float = 0.05
    max_iteration_time_fraction: float = 0.1
    #: Node limit for every sub-MIP (None: none, or DETERMINISTIC_NODE_LIMIT in deterministic mode).
    sub_mip_node_limit: int | None = None
    #: Reproducible runs: rewards and rate adaptation use solver work instead of seconds, the initial
    #: solve stops at its first solution, sub-MIPs are node-limited. With ``max_iterations`` a seed then
    #: fixes the whole run (time limits remain a safety net; a run that hits them is not reproducible).
    deterministic: bool = False
    threads: int = 1

    def __post_init__(self) -> None:
        problems = []
        if self.time_limit <= 0:
            problems.append(f"time_limit must be positive, got {self.time_limit}")
        if self.max_iterations is not None and self.max_iterations < 0:
            problems.append(f"max_iterations must be >= 0, got {self.max_iterations}")
        # the tree mode runs HiGHS sub-MIPs on time limits
        tree_possible = self.sub_solver == "highs" and not self.deterministic
        if self.mode == "auto":
            # frozen: the resolved mode replaces "auto" once, here
            object.__setattr__(self, "mode", "tree" if tree_possible else "lns")
        if self.mode not in MODES:
            problems.append(f"mode must be one of auto, {', '.join(MODES)}; got {self.mode!r}")
        if self.mode == "tree" and not tree_possible:
            problems.append(
                'mode "tree" runs HiGHS sub-MIPs on time limits; use mode "lns" for '
                "sub_solver='cpsat' or deterministic=True"
            )
        if self.policy not in POLICIES:
            problems.append(f"policy must be one of {', '.join(POLICIES)}; got {self.policy!r}")
        if self.sub_solver not in SUB_SOLVERS:
            problems.append(
                f"sub_solver must be one of {', '.join(SUB_SOLVERS)}; got {self.sub_solver!r}"
            )
        unknown = [op for op in self.operators if op not in OPERATORS]
        if unknown or not self.operators:
            problems.append(
                f"operators must be a non-empty subset of {', '.join(OPERATORS)}; got {unknown or '[]'}"
            )
        if not 0 < self.min_destroy_rate <= self.destroy_rate <= self.max_destroy_rate <= 1:
            problems.append(
                "need 0 < min_destroy_rate <= destroy_rate <= max_destroy_rate <= 1; got "
                f"{self.min_destroy_rate}, {self.destroy_rate}, {self.max_destroy_rate}"
            )
        for name in (
            "lns_share",
            "initial_time_fraction",
            "initial_stall_fraction",
            "iteration_time_fraction",
            "max_iteration_time_fraction",
        ):
            value = getattr(self, name)
            if not 0 < value <= 1:
                problems.append(f"{name} must be in (0, 1], got {value}")
        if self.min_iteration_time <= 0:
            problems.append(f"min_iteration_time must be positive, got {self.min_iteration_time}")
        if self.sub_mip_node_limit is not None and self.sub_mip_node_limit < 1:
            problems.append(f"sub_mip_node_limit must be >= 1, got {self.sub_mip_node_limit}")
        if self.threads < 1:
            problems.append(f"threads must be >= 1, got {self.threads}")
        if self.deterministic and self.max_iterations is None:
            problems.append(
                "deterministic=True needs max_iterations (a time-limited run is never reproducible)"
            )
        if problems:
            raise ValueError("invalid ALNS settings: " + "; ".join(problems))

    @classmethod
    def from_options(
        cls,
        solver_options: Mapping[str, Any],
        *,
        time_limit: float | None,
        seed: int,
        threads: int | None,
    ) -> AlnsConfig:
        """Build from :class:`SolveOptions` fields plus its ``solver_options`` (unknown keys rejected).

        ``solver_options`` may name any field here (``policy``, ``sub_solver``, ``destroy_rate``, ...);
        ``destroy_rates=(min, initial, max)`` is accepted as a shorthand.
        """
        known = {f.name for f in fields(cls)} - {"time_limit", "seed", "threads"}
        options = dict(solver_options)
        unknown = sorted(set(options) - known - {"destroy_rates"})
        if unknown:
            raise ValueError(
                f"unknown ALNS option(s): {', '.join(unknown)}; known: {', '.join(sorted(known | {'destroy_rates'}))}"
            )
        if "destroy_rates" in options:
            low, initial, high = options.pop("destroy_rates")
            options.update(min_destroy_rate=low, destroy_rate=initial, max_destroy_rate=high)
        if "operators" in options:
            ops = options["operators"]
            options["operators"] = (ops,) if isinstance(ops, str) else tuple(ops)
        return cls(
            time_limit=time_limit if time_limit is not None else cls.time_limit,
            seed=seed,
            threads=threads or 1,
            **options,
        )
