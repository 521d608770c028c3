"""What a definition uses and reaches (elaborate/definition_uses.py), read by data resolution and validation."""

from __future__ import annotations

from optmodel.modeling.checks.validate import validate
from optmodel.modeling.elaborate.definition_uses import parameter_uses, reached, set_uses
from optmodel.modeling.language.ir import Formulation, ParamDef, SetDef


def _chain() -> Formulation:
    return Formulation.model_validate(
        {
            "sets": {"I": ["a", "b"]},
            "parameters": {"w": {"index": ["I"], "values": [1, 2]}},
            "variables": {"x": {"index": ["I"], "ub": 5}, "y": {"ub": 3}, "z": {"ub": 1}},
            "expressions": {
                "load": {"expression": "sum(w[i] * x[i] for i in I) + cost"},
                "total": {"expression": "load + z"},
            },
            "piecewise": {"cost": {"of": "y", "points": [0, 3], "values": [0, 6]}},
            "objective": {"sense": "min", "expression": "total"},
        }
    )


def test_reached_follows_named_expressions_and_piecewise_arguments() -> None:
    f = _chain()
    assert reached(f, "total") == {"load", "z", "w", "x", "I", "cost", "y"}
    assert reached(f, "total", through_piecewise=False) == {"load", "z", "w", "x", "I", "cost"}
    assert reached(f, "x") == set()  # not a named expression or piecewise function
    # y is used only through the piecewise argument of an expression: not reported unused
    assert not [i for i in validate(f) if "'y'" in i.message]


def test_a_named_expression_that_reaches_itself_is_refused_where_it_is_written() -> None:
    f = Formulation.model_validate(
        {
            "variables": {"x": {"ub": 1}},
            "expressions": {"a": {"expression": "b + x"}, "b": {"expression": "2 * a"}},
            "objective": {"sense": "max", "expression": "a"},
        }
    )
    assert "a" in reached(f, "a", through_piecewise=False)
    refused = [i.path for i in validate(f) if "refers to itself" in i.message]
    assert refused == ["expressions.a.expression", "expressions.b.expression"]


def test_parameter_and_set_uses() -> None:
    computed = ParamDef.model_validate(
        {"index": "i in N, j in N", "expression": "sqrt((px[i] - px[j])**2)"}
    )
    # index names come along; readers intersect with the declared names
    assert parameter_uses(computed) == {"N", "px", "i", "j"}
    assert parameter_uses(ParamDef.model_validate({"index": ["N"], "values": [1]})) == {"N"}
    assert parameter_uses(ParamDef.model_validate({"index": "i in", "expression": "1"})) == set()
    derived = SetDef.model_validate({"from": "i in N, j in M", "where": "d[i, j] <= cap"})
    assert set_uses(derived) == {"N", "M", "d", "cap", "i", "j"}
    assert set_uses(SetDef.model_validate({"range": [1, "n"]})) == {"n"}
