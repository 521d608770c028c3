"""max(...)/min(...) over generators: makespan-style objectives solved to brute-force optima."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from optmodel.model_solver import Stage, run_formulation
from optmodel.modeling.checks.validate import validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import errors_only
from optmodel.modeling.render import render_latex, render_text

TIMES = {"a": 5, "b": 4, "c": 3, "d": 3, "e": 2}

#: Jobs onto two machines; the objective reads the machine loads through max/min over a generator.
MACHINES: dict[str, Any] = {
    "sets": {"J": list(TIMES), "M": [1, 2]},
    "parameters": {"p": {"index": ["J"], "values": list(TIMES.values())}},
    "variables": {"x": {"index": ["J", "M"], "type": "binary"}},
    "expressions": {"load": {"index": "m in M", "expression": "sum(p[j] * x[j, m] for j in J)"}},
    "objective": {"sense": "min", "expression": "max(load[m] for m in M)"},
    "constraints": {"once": {"forall": "j in J", "expression": "sum(x[j, m] for m in M) == 1"}},
}


def loads() -> list[tuple[int, int]]:
    result = []
    for machines in itertools.product((1, 2), repeat=len(TIMES)):
        first = sum(t for t, m in zip(TIMES.values(), machines, strict=True) if m == 1)
        result.append((first, sum(TIMES.values()) - first))
    return result


def solve(document: dict[str, Any]) -> float:
    assert errors_only(validate(document)) == []
    run = run_formulation(Formulation.model_validate(document))
    assert run.stage is Stage.DONE, run.error
    assert run.result is not None and run.result.objective is not None
    return run.result.objective


def test_min_of_max_over_a_generator_is_the_best_makespan() -> None:
    assert solve(MACHINES) == pytest.approx(min(max(pair) for pair in loads()))


def test_max_of_min_over_a_generator_balances_from_below() -> None:
    document = copy.deepcopy(MACHINES)
    document["objective"] = {"sense": "max", "expression": "min(load[m] for m in M)"}
    assert solve(document) == pytest.approx(max(min(pair) for pair in loads()))


def test_a_max_over_nothing_is_an_issue() -> None:
    document = copy.deepcopy(MACHINES)
    document["objective"]["expression"] = "max(load[m] for m in M if m > 5)"
    issues = errors_only(validate(document))
    assert [i.path for i in issues] == ["objective.expression"]
    assert "has no terms" in issues[0].message


def test_extrema_render() -> None:
    formulation = Formulation.model_validate(MACHINES)
    assert "minimize max_{m ∈ M} load[m]" in render_text(formulation)
    assert r"\max_{m \in M}" in render_latex(formulation)
