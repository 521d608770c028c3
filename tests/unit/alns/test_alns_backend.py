"""``solver="alns"`` as a backend and ``solve_mps``: answers in the model's own names, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("alns")
pytest.importorskip("mabwiser")
pyo = pytest.importorskip("pyomo.environ")

from pyomo.common.collections import ComponentMap  # noqa: E402
from tiny_lp import TINY_LP  # noqa: E402

from conftest import facility, write_mps  # noqa: E402
from optmodel.errors import MissingExtraError, ModelFileError  # noqa: E402
from optmodel.solvers.alns import AlnsBackend, solve_mps  # noqa: E402
from optmodel.solvers.alns.selection import load_bandit_dependencies  # noqa: E402
from optmodel.solvers.base import SolutionStatus, SolveOptions, SolverBackend  # noqa: E402
from optmodel.symbols import SymbolMap  # noqa: E402


def _knapsack() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.goods = pyo.Set(initialize=["a", "b", "c", "d"])
    value = {"a": 10, "b": 13, "c": 7, "d": 8}
    weight = {"a": 5, "b": 7, "c": 4, "d": 3}
    m.take = pyo.Var(m.goods, domain=pyo.Binary)
    m.spare = pyo.Var(bounds=(0, 3))
    m.bonus = pyo.Var(bounds=(0, 1))
    m.bonus.fix(1)
    m.capacity = pyo.Constraint(expr=sum(weight[i] * m.take[i] for i in m.goods) + m.spare <= 12)
    m.value = pyo.Objective(
        expr=sum(value[i] * m.take[i] for i in m.goods) + 0.5 * m.spare + 2 * m.bonus,
        sense=pyo.maximize,
    )
    return m


def test_backend_meets_the_protocol_and_answers_in_pyomo_names() -> None:
    backend = AlnsBackend()
    assert isinstance(backend, SolverBackend) and backend.available()
    result = backend.solve(_knapsack(), SolveOptions(time_limit=10, seed=1))
    assert result.status in (SolutionStatus.OPTIMAL, SolutionStatus.FEASIBLE)
    # optimum: a + c + d (weight 12, value 25), spare 0, bonus fixed at 1 -> 27
    assert result.objective == pytest.approx(27.0)
    assert result.value("take", "a") == 1 and result.value("take", "b") == 0
    assert result.value("bonus") == 1.0  # fixed variables are reported too
    assert set(result.solution) == {"take", "spare", "bonus"}
    assert "trajectory" in result.extra and result.solver == "alns"


def test_backend_maps_values_through_a_symbol_map() -> None:
    model = _knapsack()
    variables = ComponentMap((model.take[i], ("pick", (i, 1))) for i in model.goods)
    variables[model.spare] = ("slack", None)
    result = AlnsBackend().solve(model, SolveOptions(time_limit=10), SymbolMap(variables=variables))
    assert result.value("pick", ("a", 1)) == 1.0
    assert result.value("slack") == pytest.approx(0.0)
    assert "take" not in result.solution and "bonus" not in result.solution


def test_solve_mps_returns_column_names_and_a_trajectory(tmp_path: Path) -> None:
    data = facility()
    path = write_mps(data, tmp_path / "facility.mps")
    result = solve_mps(path, SolveOptions(time_limit=10, solver_options={"policy": "ucb"}))
    assert result.has_solution and set(result.solution) == set(data.col_names)
    assert result.max_violation is not None and result.max_violation <= 1e-6
    points = result.extra["trajectory"]
    assert points and all({"time", "objective", "operator", "outcome"} <= set(p) for p in points)


def test_solve_mps_refuses_a_truncated_lp_file(tmp_path: Path) -> None:
    path = tmp_path / "truncated.lp"
    path.write_text("Minimize\n obj: x\nSubject To\n c: x >= 1\n")
    with pytest.raises(ModelFileError):
        solve_mps(path, SolveOptions(time_limit=5))


def test_unknown_or_invalid_options_are_reported_at_once(tmp_path: Path) -> None:
    path = write_mps(facility(), tmp_path / "f.mps")
    with pytest.raises(ValueError, match="unknown ALNS option"):
        solve_mps(path, SolveOptions(time_limit=5, solver_options={"polcy": "ucb"}))
    with pytest.raises(ValueError, match="policy must be one of"):
        solve_mps(path, SolveOptions(time_limit=5, solver_options={"policy": "greedy"}))


def test_missing_bandit_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mabwiser.mab", None)
    with pytest.raises(MissingExtraError, match=r"optmodel\[bandit\]"):
        load_bandit_dependencies()


def test_infeasible_and_unbounded_models_are_results_not_errors() -> None:
    from optmodel.solvers.base import TerminationCondition

    infeasible = pyo.ConcreteModel()
    infeasible.x = pyo.Var(domain=pyo.NonNegativeIntegers)
    infeasible.c = pyo.Constraint(expr=infeasible.x <= -1)
    infeasible.o = pyo.Objective(expr=infeasible.x)
    result = AlnsBackend().solve(infeasible, SolveOptions(time_limit=5))
    assert result.termination is TerminationCondition.INFEASIBLE and not result.has_solution

    unbounded = pyo.ConcreteModel()
    unbounded.x = pyo.Var(domain=pyo.NonNegativeIntegers)
    unbounded.y = pyo.Var(domain=pyo.NonNegativeReals)
    unbounded.c = pyo.Constraint(expr=unbounded.x - unbounded.y <= 3)
    unbounded.o = pyo.Objective(expr=unbounded.x + unbounded.y, sense=pyo.maximize)
    result = AlnsBackend().solve(unbounded, SolveOptions(time_limit=5))
    assert result.termination in (
        TerminationCondition.UNBOUNDED,
        TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    )


@pytest.mark.parametrize("mode", ["lns", "tree"])
def test_the_command_line_answers_in_integers(tmp_path: Path, mode: str) -> None:
    """``optmodel solve --solver alns`` (which starts the host process before it reads anything)
    answers with integers for integer columns, in both modes."""
    import json
    import subprocess

    path = tmp_path / "tiny.lp"
    path.write_text(TINY_LP)
    command = [sys.executable, "-m", "optmodel", "solve", str(path), "--solver", "alns"]
    done = subprocess.run(
        [*command, "--option", f"mode={mode}", "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["status"] == "optimal" and answer["objective"] == 22
    values = {v["name"]: v["value"] for v in answer["values"]}
    assert values == {"x": 4, "y": 1, "z": 2}
    assert all(isinstance(v, int) for v in values.values())
