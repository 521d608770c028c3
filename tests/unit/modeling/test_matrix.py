"""The matrix fast path builds exactly the model the Pyomo compiler builds (up to row/column order), declines
what it does not handle, and its solution check agrees with the reference check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matrix_compare import assert_same_standard_form, solve_values
from test_properties import SETTINGS, domains, expressions, formulations, relations

from optmodel.errors import OptmodelError
from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.expressions import SET_FUNCTIONS
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.language.load import load_formulation, parse_document
from optmodel.modeling.matrix import NotVectorizable, build_matrix, check_matrix_solution
from optmodel.modeling.matrix.frame import SetIndex
from optmodel.modeling.pyomo.compile import compile_formulation
from optmodel.modeling.solution_check import check_solution
from optmodel.standard_form import extract

ROOT = Path(__file__).resolve().parents[3]
MODELS = sorted(
    [*ROOT.glob("examples/*.json"), *ROOT.glob("examples/*.yaml")]
    + [p for p in (ROOT / "tests/data/golden").glob("*.json") if p.name != "manifest.json"]
)


def _left_to_pyomo(formulation: Formulation) -> bool:
    """Nonlinear after compiling (or with auxiliary variables, from abs/min/max), or a construct the fast
    path leaves to Pyomo: logic (GDP), named expressions, further goals."""
    if formulation.logic or formulation.expressions or formulation.objective.then:
        return True
    compiled = compile_formulation(formulation)
    form = extract(compiled.model)
    auxiliary = len(form.variables) > sum(1 for _ in compiled.symbols.variables)
    return bool(form.row_nonlinear) or form.objective_nonlinear is not None or auxiliary


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_examples_and_golden_models_build_the_reference_standard_form(path: Path) -> None:
    formulation = load_formulation(path)
    try:
        assert_same_standard_form(formulation)
    except NotVectorizable as declined:
        # Ordered-set functions (first, prev, next_cyclic, ...) are left to the Pyomo path by design.
        ordered_set_function = str(declined).split("()")[0] in SET_FUNCTIONS - {"len"}
        assert ordered_set_function or _left_to_pyomo(formulation), "a linear model was declined"


def test_the_linear_examples_take_the_fast_path_and_agree_with_the_reference() -> None:
    optima = json.loads((ROOT / "tests/data/example_optima.json").read_text())
    checked = 0
    for path in MODELS:
        formulation = load_formulation(path)
        fast = run_formulation(formulation)
        if fast.build_path != "matrix":
            continue
        reference = run_formulation(formulation, matrix=False)
        assert reference.build_path == "pyomo"
        assert fast.stage is reference.stage is Stage.DONE, (fast.error, reference.error)
        assert fast.result is not None and reference.result is not None
        assert fast.result.status == reference.result.status
        if reference.result.objective is None:
            assert fast.result.objective is None
            assert fast.result.termination == reference.result.termination
        else:
            assert fast.result.objective == pytest.approx(reference.result.objective, rel=1e-7)
        if path.name in optima:
            assert fast.result.objective == pytest.approx(optima[path.name]["objective"], rel=1e-6)
        checked += 1
    assert checked >= 20


@SETTINGS
@given(formulations())
def test_generated_linear_models_build_the_reference_standard_form(
    formulation: Formulation,
) -> None:
    try:
        compile_formulation(formulation)
    except OptmodelError:
        return  # e.g. a constant row that cannot hold: the reference reports it, nothing to compare
    assert_same_standard_form(formulation)


@SETTINGS
@given(formulations(), st.data())
def test_random_expressions_build_the_reference_form_or_are_declined(
    formulation: Formulation, data: st.DataObject
) -> None:
    """Whatever the fast path accepts, the reference compiles to the same model; never an answer where the
    reference has an error."""
    document = formulation.to_dict()
    slots: list[tuple[list[Any], st.SearchStrategy[str]]] = [
        (["objective", "expression"], expressions)
    ]
    for name in document["constraints"]:
        slots += [(["constraints", name, "expression"], relations)]
        slots += [
            (["constraints", name, "forall"], domains),
            (["constraints", name, "where"], relations),
        ]
    path, strategy = data.draw(st.sampled_from(slots))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(strategy)
    parsed, issues = parse_document(document)
    if parsed is None or errors_only(issues):
        return
    resolved, data_issues = resolve_data(parsed)
    if errors_only(data_issues):
        return
    try:
        build_matrix(parsed, resolved)
    except NotVectorizable:
        return
    assert_same_standard_form(parsed)  # raises if the reference cannot compile it


def _transportation(n: int) -> Formulation:
    rng = np.random.default_rng(n)
    plants, markets = [f"p{i}" for i in range(n)], [f"m{j}" for j in range(n)]
    return Formulation.model_validate(
        {
            "sets": {
                "P": plants,
                "M": markets,
                "ARCS": {"from": "p in P, m in M", "where": "p != m"},
            },
            "parameters": {
                "supply": {"index": ["P"], "values": [int(v) for v in rng.integers(40, 80, n)]},
                "demand": {"index": ["M"], "values": [int(v) for v in rng.integers(10, 30, n)]},
                "cost": {
                    "index": ["P", "M"],
                    "values": rng.uniform(1, 9, (n, n)).round(2).tolist(),
                },
            },
            "variables": {"x": {"index": ["P", "M"]}, "open": {"index": ["P"], "type": "binary"}},
            "objective": {
                "sense": "min",
                "expression": "sum(cost[p, m] * x[p, m] for (p, m) in ARCS) + sum(5 * open[p] for p in P)",
            },
            "constraints": {
                "supply": {
                    "forall": "p in P",
                    "expression": "sum(x[p, m] for m in M) <= supply[p] * open[p]",
                },
                "demand": {
                    "forall": "m in M",
                    "expression": "sum(x[p, q] for (p, q) in ARCS if q == m) >= demand[m]",
                },
                "link": {
                    "forall": "p in P, m in M",
                    "where": "p != m",
                    "expression": "x[p, m] <= 30 * open[p]",
                },
            },
        }
    )


def test_joins_tuple_sets_and_linking_rows_match_the_reference() -> None:
    assert_same_standard_form(_transportation(12))


def test_the_array_check_reports_what_the_reference_check_reports() -> None:
    formulation = _transportation(6)
    data, _ = resolve_data(formulation)
    model = build_matrix(formulation, data)
    x = solve_values(model.form)
    x[3] += 7.0  # break some rows and a bound on purpose
    x[-1] = 0.5  # and an integrality requirement
    values: dict[str, Any] = {}
    for (name, key), value in zip(model.form.variables, x.tolist(), strict=True):
        values.setdefault(name, {})[key] = value
    fast = check_matrix_solution(model, values)
    reference = check_solution(formulation, values, data=data)
    assert fast.max_violation == pytest.approx(reference.max_violation, rel=1e-9)
    assert fast.max_relative_violation == pytest.approx(reference.max_relative_violation, rel=1e-9)
    assert fast.max_integrality_violation == pytest.approx(reference.max_integrality_violation)
    assert fast.objective_value == pytest.approx(reference.objective_value, rel=1e-12)
    assert fast.violations and sorted((v.constraint, v.key) for v in fast.violations) == sorted(
        (v.constraint, v.key) for v in reference.violations
    )
    assert len(fast.integrality_violations) == len(reference.integrality_violations) == 1
    values["x"].pop(next(iter(values["x"])))
    assert (
        check_matrix_solution(model, values).missing == check_solution(formulation, values).missing
    )


def test_nonlinear_and_pyomo_only_models_fall_back_to_the_reference_path() -> None:
    quadratic = Formulation.model_validate(
        {
            "variables": {"x": {"ub": 3}, "y": {"ub": 3}},
            "objective": {"sense": "max", "expression": "x * y"},
            "constraints": {"c": {"expression": "x + y <= 4"}},
        }
    )
    with pytest.raises(NotVectorizable):
        build_matrix(quadratic, resolve_data(quadratic)[0])
    absolute = Formulation.model_validate(
        {
            "variables": {"x": {"lb": None}},
            "objective": {"sense": "min", "expression": "abs(x - 2)"},
        }
    )
    run = run_formulation(absolute)
    assert run.build_path == "pyomo" and run.ok
    assert run.result is not None and run.result.objective == pytest.approx(0.0, abs=1e-9)


def test_logic_is_left_to_the_pyomo_path() -> None:
    gdp = Formulation.model_validate(
        {
            "variables": {"x": {"ub": 5}, "y": {"type": "binary"}},
            "objective": {"sense": "max", "expression": "x - y"},
            "logic": {"cap": {"if": "y == 0", "then": "x <= 2"}},
        }
    )
    with pytest.raises(NotVectorizable, match="logic"):
        build_matrix(gdp, resolve_data(gdp)[0])
    run = run_formulation(gdp)
    assert run.build_path == "pyomo" and run.ok
    assert run.result is not None and run.result.objective == pytest.approx(4.0)


@pytest.mark.parametrize(
    "expression",
    [
        "x[t] <= max(c[s] for s in T)",  # max over generators: not a sum
        "x[t] <= c[(t % 3) + 1]",  # modulo in index arithmetic
        "x[t] <= (c[next(t, T)] if t != last(T) else 0)",  # set functions
    ],
)
def test_constructs_it_does_not_know_are_declined_and_solved_by_the_reference(
    expression: str,
) -> None:
    document = {
        "sets": {"T": {"range": [1, 4]}},
        "parameters": {"c": {"index": ["T"], "values": [4, 1, 3, 2]}},
        "variables": {"x": {"index": ["T"]}},
        "objective": {"sense": "max", "expression": "sum(x[t] for t in T)"},
        "constraints": {"cap": {"forall": "t in T", "expression": expression}},
    }
    formulation = Formulation.model_validate(document)
    with pytest.raises(NotVectorizable):
        build_matrix(formulation, resolve_data(formulation)[0])
    run = run_formulation(formulation)
    reference = run_formulation(formulation, matrix=False)
    assert run.build_path == "pyomo" and run.ok, run.error
    assert run.result is not None and reference.result is not None
    assert run.result.objective == reference.result.objective


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(-3, 3)), unique=True, min_size=1, max_size=40
    ),
    st.lists(st.integers(-2, 8), max_size=30),
    st.sampled_from([0, 1]),
)
def test_integer_joins_by_arrays_match_the_member_groups(
    members: list[tuple[int, int]], wanted: list[int], component: int
) -> None:
    """``for (i, j) in ARCS if i == n``: the sorted-array join pairs each row with the same members, in
    the same order, as looking the value up in the members' groups."""
    index = SetIndex(list(members))
    joined = index.integer_matches(component, np.array(wanted, dtype=np.int64))
    assert joined is not None
    groups = index.group(component)
    expected = [(r, int(c)) for r, v in enumerate(wanted) for c in groups.get(v, [])]
    assert list(zip(joined[0].tolist(), joined[1].tolist(), strict=True)) == expected
    assert SetIndex(["a", "b"]).integer_matches(None, np.array([1])) is None


def test_a_row_left_out_takes_its_terms_with_it() -> None:
    """``-inf <= e <= inf`` in some instances only: the compiler adds no row there, and the fast path
    builds the other rows without that instance's terms (it used to decline)."""
    formulation = Formulation.model_validate(
        {
            "sets": {"I": [1, 2, 3]},
            "variables": {"x": {"index": ["I"]}},
            "objective": {"sense": "min", "expression": "sum(x[i] for i in I)"},
            "constraints": {
                "r": {
                    "forall": "i in I",
                    "expression": "(-inf if i == 2 else 0) <= x[i] + 2 * x[1] "
                    "<= (inf if i == 2 else 5)",
                }
            },
        }
    )
    matrix = assert_same_standard_form(formulation)
    assert matrix.form.n_rows == 2 and matrix.form.row_start.tolist() == [0, 1, 3]
