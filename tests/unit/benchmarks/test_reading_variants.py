"""The usual alternative readings of a model: one change each, written through the expression language."""

from __future__ import annotations

from optmodel.benchmarks.readings import reading_variants
from optmodel.modeling.language.ir import Formulation


def model(**constraints: str) -> Formulation:
    return Formulation.model_validate(
        {
            "sets": {"I": ["a", "b"]},
            "parameters": {"need": {"index": ["I"], "values": {"a": 2, "b": 3}}},
            "variables": {
                "x": {"index": ["I"], "description": "units shipped"},
                "open": {"type": "binary"},
            },
            "objective": {"sense": "min", "expression": "sum(x[i] for i in I) + 5 * open"},
            "constraints": {
                name: {"expression": text, "forall": "i in I"} for name, text in constraints.items()
            },
        }
    )


def test_an_equality_is_tried_as_at_least_and_at_most() -> None:
    variants = {v.name: v.formulation for v in reading_variants(model(meet="x[i] == need[i]"))}
    assert list(variants) == [
        "integrality relaxed",
        "integrality imposed",
        "'meet' as >= (was ==)",
        "'meet' as <= (was ==)",
    ]
    assert variants["'meet' as >= (was ==)"].constraints["meet"].expression == "x[i] >= need[i]"
    assert variants["'meet' as >= (was ==)"].constraints["meet"].forall == "i in I"


def test_relaxing_a_binary_keeps_it_between_0_and_1_and_imposing_makes_integers() -> None:
    variants = {v.name: v.formulation for v in reading_variants(model())}
    relaxed = variants["integrality relaxed"].variables["open"]
    assert (relaxed.type, relaxed.lb, relaxed.ub) == ("continuous", 0.0, 1.0)
    assert variants["integrality imposed"].variables["x"].type == "integer"
    assert variants["integrality imposed"].variables["open"].type == "binary"


def test_ranged_and_unreadable_relations_are_left_alone_and_the_count_is_bounded() -> None:
    ranged = model(band="1 <= x[i] <= need[i]")
    assert [v.name for v in reading_variants(ranged)] == [
        "integrality relaxed",
        "integrality imposed",
    ]
    many = model(**{f"c{k}": f"x[i] >= {k}" for k in range(40)})
    assert len(reading_variants(many)) == 24
    assert len(reading_variants(many, limit=3)) == 3
