"""LP/MPS export and import: round trips keep the optimum and readable names; bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo
import pytest
from pyomo.common.collections import ComponentMap

from optmodel.errors import ModelFileError
from optmodel.solvers import SolutionStatus, solve_model
from optmodel.standard_form.io import read_model_file, write_lp, write_mps
from optmodel.symbols import SymbolMap

MIPLIB = Path(__file__).resolve().parents[3] / "shared" / "miplib"
WRITERS = {"lp": write_lp, "mps": write_mps}


def transport() -> tuple[pyo.ConcreteModel, SymbolMap]:
    """min 2 ship[1,A] + 3 ship[2,B] + 10 open + 4, demands 3 and 4, open binary: optimum 32 (open=1)."""
    m = pyo.ConcreteModel()
    m.v = pyo.Var([0, 1], domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.open = pyo.Var(domain=pyo.Binary)
    m.d0 = pyo.Constraint(expr=m.v[0] >= 3)
    m.d1 = pyo.Constraint(expr=m.v[1] >= 4)
    m.link = pyo.Constraint(expr=m.v[0] + m.v[1] <= 10 * m.open)
    m.cost = pyo.Objective(expr=2 * m.v[0] + 3 * m.v[1] + 10 * m.open + 4)
    symbols = SymbolMap(
        variables=ComponentMap(
            [(m.v[0], ("ship", (1, "A"))), (m.v[1], ("ship", (2, "B"))), (m.open, ("open", None))]
        ),
        constraints=ComponentMap(
            [(m.d0, ("demand", "A")), (m.d1, ("demand", "B")), (m.link, ("link", None))]
        ),
    )
    return m, symbols


@pytest.mark.parametrize("kind", ["lp", "mps"])
def test_round_trip_keeps_optimum_and_names(tmp_path: Path, kind: str) -> None:
    model, symbols = transport()
    path = WRITERS[kind](model, tmp_path / f"transport.{kind}", symbols)
    assert "ship(1,A)" in path.read_text()  # x[1,A] in the closest LP-legal spelling

    back, back_symbols = read_model_file(path)
    result = solve_model(back, symbols=back_symbols)
    assert result.status is SolutionStatus.OPTIMAL
    assert result.objective == pytest.approx(32.0)  # the constant 4 survives the trip
    assert result.solution == {"ship(1,A)": 3.0, "ship(2,B)": 4.0, "open": 1.0}
    assert set(back_symbols.constraints.values()) == {
        ("demand(A)", None),
        ("demand(B)", None),
        ("link", None),
    }


@pytest.mark.parametrize("kind", ["lp", "mps"])
def test_round_trip_of_a_maximisation_without_symbols(tmp_path: Path, kind: str) -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2], domain=pyo.NonNegativeIntegers, bounds=(0, 20))
    m.y = pyo.Var(bounds=(0, None))
    m.capacity = pyo.Constraint(expr=m.x[1] + m.x[2] + m.y <= 7.5)
    m.balance = pyo.Constraint(expr=m.x[1] - m.y >= 1)
    m.profit = pyo.Objective(expr=3 * m.x[1] + 2 * m.x[2] + m.y + 1, sense=pyo.maximize)
    back, symbols = read_model_file(WRITERS[kind](m, tmp_path / f"m.{kind}"))
    result = solve_model(back, symbols=symbols)
    assert result.objective == pytest.approx(22.5)
    assert result.value("x(1)") == 7.0


@pytest.mark.parametrize("kind", ["lp", "mps"])
def test_round_trip_of_a_convex_qp(tmp_path: Path, kind: str) -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.limit = pyo.Constraint(expr=m.x + m.y <= 2)
    m.distance = pyo.Objective(expr=(m.x - 1) ** 2 + (m.y - 2) ** 2 + m.x * m.y)
    direct = solve_model(m)
    back, symbols = read_model_file(WRITERS[kind](m, tmp_path / f"qp.{kind}"))
    assert solve_model(back, symbols=symbols).objective == pytest.approx(direct.objective, abs=1e-6)


def test_fixed_variables_are_written_as_constants(tmp_path: Path) -> None:
    model, symbols = transport()
    model.open.fix(1)
    back, back_symbols = read_model_file(write_lp(model, tmp_path / "fixed.lp", symbols))
    assert "open" not in {name for name, _ in back_symbols.variables.values()}
    assert solve_model(back).objective == pytest.approx(32.0)


def test_lp_file_without_end_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "noend.lp"
    path.write_text(
        "Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x + 3 y <= 6\n"
        "Bounds\n x <= 3\nGeneral\n y\n"
    )
    with pytest.warns(UserWarning, match="'end'"):
        model, symbols = read_model_file(path)
    result = solve_model(model, symbols=symbols)
    assert result.objective == pytest.approx(11.0)  # not the 0 of an empty model
    assert result.solution == {"x": 3.0, "y": 1.0}


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("garbage.lp", "hello world\nthis is not a model\n", "line 1: an LP file starts with"),
        ("garbage.mps", "hello world\n", "line 1: a data line outside any section"),
        ("empty.lp", "", "the file is empty"),
        ("novars.lp", "Minimize\n obj: 0\nSubject To\nEnd\n", "could not read"),
        ("model.txt", "Minimize\n obj: x\nEnd\n", "expected an .lp or .mps"),
    ],
)
def test_bad_files_raise_model_file_error(
    tmp_path: Path, name: str, content: str, match: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ModelFileError, match=match):
        read_model_file(path)


def test_missing_file_raises_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        read_model_file(tmp_path / "absent.mps")


def test_nonlinear_models_cannot_be_written(tmp_path: Path) -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=pyo.exp(m.x) <= 2)
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ModelFileError, match="nonlinear"):
        write_mps(m, tmp_path / "nl.mps")


@pytest.mark.skipif(not (MIPLIB / "pk1.mps").is_file(), reason="MIPLIB data absent")
def test_reads_a_miplib_instance_with_its_names() -> None:
    model, symbols = read_model_file(MIPLIB / "pk1.mps")
    variables = list(model.component_data_objects(pyo.Var))
    assert len(variables) == 86
    assert len(list(model.component_data_objects(pyo.Constraint))) == 45
    assert sum(v.is_integer() for v in variables) == 55
    assert symbols.variables[model.x[0]] == ("x1", None)
