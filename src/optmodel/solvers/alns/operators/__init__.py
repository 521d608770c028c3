"""Destroy operators by name; each returns the :class:`Neighbourhood` the sub-MIP will search."""

from __future__ import annotations

from optmodel.solvers.alns.operators.basic import crossover, random_neighbourhood
from optmodel.solvers.alns.operators.context import DestroyOperator, OperatorContext
from optmodel.solvers.alns.operators.lp_guided import dins, rens, rins
from optmodel.solvers.alns.operators.structured import constraint_block, local_branching, proximity

DESTROY_OPERATORS: dict[str, DestroyOperator] = {
    "random": random_neighbourhood,
    "rins": rins,
    "rens": rens,
    "dins": dins,
    "local_branching": local_branching,
    "proximity": proximity,
    "crossover": crossover,
    "constraint_block": constraint_block,
}

#: Operators that need the LP relaxation, and those that need binary columns.
NEEDS_LP = frozenset({"rins", "rens", "dins"})
NEEDS_BINARIES = frozenset({"local_branching", "proximity"})

__all__ = ["DESTROY_OPERATORS", "NEEDS_BINARIES", "NEEDS_LP", "DestroyOperator", "OperatorContext"]
