"""Each variable, constraint and logical constraint is expanded into its instances once per resolved model.

The Pyomo compiler, the solution check, the matrix fast path and the big-M check all read an element's
instances through :mod:`optmodel.modeling.elaborate.variables` (``instances``, ``logic``). Here every stage's
reads are watched over the full cycle of every golden model: each element must come back as one and the same record,
whichever stage asks. A stage that expanded an element again would hand back a second, equal record.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from golden_cycle import GOLDEN, full_cycle

from optmodel.errors import CompileError
from optmodel.modeling.elaborate import instances, logic, variables
from optmodel.modeling.elaborate.data import resolve_data
from optmodel.modeling.language.ir import Formulation

_EXPANSIONS: dict[str, Callable[..., Any]] = {
    "variable_instances": variables.variable_instances,
    "constraint_instances": instances.constraint_instances,
    "logic_instances": logic.logic_instances,
}


class _Reads:
    """Who asked for which element's instances, and which record each one got."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[int, Any]] = defaultdict(dict)
        self.readers: dict[tuple[str, str], set[str]] = defaultdict(set)

    def watch(self, module: str, kind: str, expand: Callable[..., Any]) -> Callable[..., Any]:
        def read(name: str, *args: Any) -> Any:
            record = expand(name, *args)
            self.records[(kind, name)][id(record)] = record  # kept alive: an id is never reused
            self.readers[(kind, name)].add(module)
            return record

        return read


def _watch_every_stage(monkeypatch: pytest.MonkeyPatch, reads: _Reads) -> None:
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("optmodel."):
            continue
        for kind, expand in _EXPANSIONS.items():
            if getattr(module, kind, None) is expand:
                monkeypatch.setattr(module, kind, reads.watch(module.__name__, kind, expand))


def test_every_stage_reads_one_expansion_of_each_element_of_every_golden_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = sorted(p for p in GOLDEN.glob("*.json") if p.name != "manifest.json")
    assert len(paths) >= 30
    reads = _Reads()
    _watch_every_stage(monkeypatch, reads)
    expanded_again: dict[str, list[tuple[str, str]]] = {}
    all_readers: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        reads.records.clear()
        reads.readers.clear()
        full_cycle(path)  # validate, compile, check, matrix build and matrix check, render
        assert reads.records, path.name  # the watch sees the stages' reads (the test can fail)
        again = [element for element, records in reads.records.items() if len(records) > 1]
        if again:
            expanded_again[path.name] = again
        for (kind, _), readers in reads.readers.items():
            all_readers[kind] |= readers
    assert expanded_again == {}
    # Every stage named in the module docstring was watched reading.
    assert {
        "optmodel.modeling.pyomo.builder",
        "optmodel.modeling.solution_check",
        "optmodel.modeling.matrix.build",
    } <= all_readers["variable_instances"]
    assert {"optmodel.modeling.pyomo.builder", "optmodel.modeling.solution_check"} <= (
        all_readers["constraint_instances"] & all_readers["logic_instances"]
    )


def test_an_edited_definition_is_expanded_again_and_an_error_is_not_remembered() -> None:
    formulation = Formulation.model_validate(
        {
            "sets": {"I": [1, 2, 3]},
            "variables": {"x": {"index": ["I"], "ub": 4}},
            "objective": {"sense": "max", "expression": "sum(x[i] for i in I)"},
            "constraints": {"cap": {"forall": "i in I", "expression": "x[i] <= 2"}},
        }
    )
    data, _ = resolve_data(formulation)
    first = variables.variable_instances("x", formulation.variables["x"], data)
    assert variables.variable_instances("x", formulation.variables["x"], data) is first
    edited = formulation.variables["x"].model_copy(update={"ub": 5})
    assert variables.variable_instances("x", edited, data).upper == (5, 5, 5)
    cap = formulation.constraints["cap"]
    assert [k for k, _ in instances.constraint_instances("cap", cap, data, ["x"]).bindings] == [
        1,
        2,
        3,
    ]
    filtered = cap.model_copy(update={"where": "i >= 2"})
    assert [
        k for k, _ in instances.constraint_instances("cap", filtered, data, ["x"]).bindings
    ] == [
        2,
        3,
    ]
    broken = formulation.variables["x"].model_copy(update={"index": ["J"]})
    for _ in range(2):  # raised again, never kept
        with pytest.raises(CompileError, match="unknown set 'J'"):
            variables.variable_instances("x", broken, data)
    assert len(data.expansions) == 2  # the variable x and the constraint cap, each kept once
