"""Tiny hand-built Pyomo models with known answers, shared by the solver tests."""

from __future__ import annotations

import random
from pathlib import Path

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from optmodel.symbols import SymbolMap

MIPLIB = Path(__file__).resolve().parents[4] / "shared" / "miplib"


def production_milp() -> pyo.ConcreteModel:
    """max 3x1 + 2x2 + y + 1, x integer: optimum 22.5 at x=(7,0), y=0.5."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2], domain=pyo.NonNegativeIntegers, bounds=(0, 20))
    m.y = pyo.Var(bounds=(0, None))
    m.capacity = pyo.Constraint(expr=m.x[1] + m.x[2] + m.y <= 7.5)
    m.balance = pyo.Constraint(expr=m.x[1] - m.y >= 1)
    m.profit = pyo.Objective(expr=3 * m.x[1] + 2 * m.x[2] + m.y + 1, sense=pyo.maximize)
    return m


def production_lp() -> pyo.ConcreteModel:
    """The LP relaxation of :func:`production_milp`: optimum 23.5 at x=(7.5,0), y=0."""
    m = production_milp()
    m.x.domain = pyo.NonNegativeReals
    return m


def pure_integer() -> pyo.ConcreteModel:
    """max 3a + 2b s.t. 0.5a + b <= 7.5, a,b in 0..20 integer: optimum 45 at a=15, b=0."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 20))
    m.b = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 20))
    m.budget = pyo.Constraint(expr=0.5 * m.a + m.b <= 7.5)
    m.value = pyo.Objective(expr=3 * m.a + 2 * m.b, sense=pyo.maximize)
    return m


def infeasible_lp() -> pyo.ConcreteModel:
    """x1 >= 10 contradicts capacity (x1 + x2 + y <= 7.5, all >= 0); IIS = {capacity, too_much}."""
    m = production_lp()
    m.too_much = pyo.Constraint(expr=m.x[1] >= 10)
    return m


def infeasible_integer() -> pyo.ConcreteModel:
    """2k == 3 with k integer: LP-feasible, integer-infeasible; IIS = {odd}."""
    m = pyo.ConcreteModel()
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 10))
    m.j = pyo.Var(domain=pyo.Integers, bounds=(0, 10))
    m.odd = pyo.Constraint(expr=2 * m.k == 3)
    m.loose = pyo.Constraint(expr=m.k + m.j <= 15)
    m.obj = pyo.Objective(expr=m.k + m.j)
    return m


def unbounded_lp() -> pyo.ConcreteModel:
    """max x + y s.t. x - y <= 1: both grow without limit."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.y = pyo.Var(within=pyo.NonNegativeReals)
    m.gap = pyo.Constraint(expr=m.x - m.y <= 1)
    m.total = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    return m


def convex_qp() -> pyo.ConcreteModel:
    """min (x-1)^2 + (y-2)^2 s.t. x + y <= 2: optimum 0.5 at (0.5, 1.5)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.limit = pyo.Constraint(expr=m.x + m.y <= 2)
    m.distance = pyo.Objective(expr=(m.x - 1) ** 2 + (m.y - 2) ** 2)
    return m


def nonconvex_qp() -> pyo.ConcreteModel:
    """max x^2 on [-1, 2]: global optimum 4 at x=2 (a local one is 1 at x=-1)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-1, 2))
    m.far = pyo.Objective(expr=m.x**2, sense=pyo.maximize)
    return m


def nlp() -> pyo.ConcreteModel:
    """min (x-2)^2 + exp(y) s.t. x + y >= 1: optimum where 2(1+y) + e^y = 0 (y* ≈ -1.15673, f* ≈ 0.33908)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-10, 10))
    m.y = pyo.Var(bounds=(-3, 3))
    m.reach = pyo.Constraint(expr=m.x + m.y >= 1)
    m.cost = pyo.Objective(expr=(m.x - 2) ** 2 + pyo.exp(m.y))
    return m


def minlp() -> pyo.ConcreteModel:
    """min (n - 2.6)^2 + sqrt(z + 1) s.t. z >= log(n + 1), n integer in 0..5: n=3, z=log 4."""
    m = pyo.ConcreteModel()
    m.n = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.z = pyo.Var(bounds=(0, 10))
    m.link = pyo.Constraint(expr=m.z >= pyo.log(m.n + 1))
    m.cost = pyo.Objective(expr=(m.n - 2.6) ** 2 + pyo.sqrt(m.z + 1))
    return m


def shipping_with_symbols() -> tuple[pyo.ConcreteModel, SymbolMap]:
    """A transport LP whose Pyomo names differ from the Formulation names the SymbolMap gives.

    Optimum 22: ship[1,A]=3 and ship[2,B]=4 at cost 2 each, fixed fee z=8.
    """
    m = pyo.ConcreteModel()
    m.v = pyo.Var([0, 1], bounds=(0, 100))
    m.fee = pyo.Var(bounds=(8, 20))
    m.d0 = pyo.Constraint(expr=m.v[0] >= 3)
    m.d1 = pyo.Constraint(expr=m.v[1] >= 4)
    m.o = pyo.Objective(expr=2 * m.v[0] + 2 * m.v[1] + m.fee)
    symbols = SymbolMap(
        variables=ComponentMap(
            [(m.v[0], ("ship", (1, "A"))), (m.v[1], ("ship", (2, "B"))), (m.fee, ("z", None))]
        ),
        constraints=ComponentMap([(m.d0, ("demand", "A")), (m.d1, ("demand", "B"))]),
    )
    return m, symbols


def market_split(rows: int = 5, columns: int = 40, seed: int = 0) -> pyo.ConcreteModel:
    """A market-split instance (pure integer, bounded, integral data): hard to prove optimal, trivially
    feasible (x = 0, slack = rhs), so a 1 s limit ends with an incumbent."""
    rng = random.Random(seed)
    weights = [[rng.randint(0, 99) for _ in range(columns)] for _ in range(rows)]
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(columns), domain=pyo.Binary)
    m.over = pyo.Var(range(rows), domain=pyo.NonNegativeIntegers, bounds=(0, 5000))
    m.under = pyo.Var(range(rows), domain=pyo.NonNegativeIntegers, bounds=(0, 5000))
    m.split = pyo.Constraint(
        range(rows),
        rule=lambda m, i: (
            sum(weights[i][j] * m.x[j] for j in range(columns)) + m.under[i] - m.over[i]
            == sum(weights[i]) // 2
        ),
    )
    m.deviation = pyo.Objective(expr=sum(m.over[i] + m.under[i] for i in range(rows)))
    return m


def fixed_value_violation() -> pyo.ConcreteModel:
    """k fixed at 1 makes ``need: k >= 2`` a constraint without variables that cannot hold."""
    m = pyo.ConcreteModel()
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.j = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.k.fix(1)
    m.need = pyo.Constraint(expr=m.k >= 2)
    m.cap = pyo.Constraint(expr=m.j <= 4)
    m.obj = pyo.Objective(expr=m.j)
    return m


def crossed_integer_bounds() -> pyo.ConcreteModel:
    """An integer variable bounded to [0.2, 0.8] has no value."""
    m = pyo.ConcreteModel()
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0.2, 0.8))
    m.j = pyo.Var(domain=pyo.Integers, bounds=(0, 5))
    m.cap = pyo.Constraint(expr=m.j + m.k <= 4)
    m.obj = pyo.Objective(expr=m.j)
    return m
