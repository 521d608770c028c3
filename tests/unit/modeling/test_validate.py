"""validate(): every problem of a Formulation at once, with a path, a stable code and a hint that helps."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from optmodel.modeling.checks.validate import format_issues, validate
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode, Severity

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

TRANSPORT: dict[str, Any] = {
    "name": "transport",
    "sets": {"I": ["seattle", "san_diego"], "J": ["new_york", "chicago", "topeka"]},
    "parameters": {
        "a": {"index": ["I"], "values": {"seattle": 350, "san_diego": 600}},
        "b": {"index": ["J"], "values": [325, 300, 275]},
        "d": {"index": ["I", "J"], "values": [[2.5, 1.7, 1.8], [2.5, 1.8, 1.4]]},
        "f": 90,
    },
    "variables": {"x": {"index": ["I", "J"]}},
    "objective": {
        "sense": "minimize",
        "expression": "sum(f * d[i, j] / 1000 * x[i, j] for i in I for j in J)",
    },
    "constraints": {
        "supply": {"forall": "i in I", "expression": "sum(x[i, j] for j in J) <= a[i]"},
        "demand": {"forall": "j in J", "expression": "sum(x[i, j] for i in I) >= b[j]"},
    },
}


def broken(change: Callable[[dict[str, Any]], Any]) -> list[Issue]:
    """Validate the transportation model after one change."""
    document = copy.deepcopy(TRANSPORT)
    change(document)
    return validate(document)


def expression(name: str, text: str, **fields: str) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d["constraints"][name].update(expression=text, **fields)


def only(issues: list[Issue], code: IssueCode) -> Issue:
    found = [i for i in issues if i.code is code]
    assert len(found) == 1, issues
    return found[0]


# --- correct models --------------------------------------------------------------------------------
def test_a_correct_model_has_no_issues() -> None:
    assert validate(TRANSPORT) == []
    assert format_issues([]) == "No problems found."


@pytest.mark.parametrize(
    "path",
    sorted(
        p for p in EXAMPLES.glob("*.*") if p.suffix in (".json", ".yaml") and p.stem != "expected"
    ),
    ids=lambda p: p.name,
)
def test_the_shipped_examples_validate_cleanly(path: Path) -> None:
    assert validate(path) == []


def test_every_input_form_is_accepted(tmp_path: Path) -> None:
    formulation = Formulation.model_validate(TRANSPORT)
    yaml_path = tmp_path / "model.yaml"
    yaml_path.write_text(yaml.safe_dump(TRANSPORT), encoding="utf-8")
    for source in (formulation, TRANSPORT, json.dumps(TRANSPORT), formulation.to_yaml(), yaml_path):
        assert validate(source) == []


# --- one test per issue code -------------------------------------------------------------------------
def test_schema_problems_are_reported_and_the_rest_is_still_checked() -> None:
    def change(d: dict[str, Any]) -> None:
        d["objective"]["sense"] = "upwards"
        d["objective"]["expression"] = "sum(f * x[i, j] for i in I for j in J"
        d["variables"]["x"]["kind"] = "real"  # a stray field: x itself is still checked
        d["variables"]["y"] = {"type": "complex"}  # a bad value: y is set aside
        d["constraints"]["supply"]["expression"] = "sum(x[j] for j in J) + y <= a[i]"

    found = {(i.path, i.code) for i in broken(change)}
    assert found == {
        ("objective.sense", IssueCode.SCHEMA),
        ("variables.x.kind", IssueCode.SCHEMA),
        ("variables.y.type", IssueCode.SCHEMA),
        ("objective.expression", IssueCode.SYNTAX),
        ("constraints.supply.expression", IssueCode.INDEX_ARITY),  # x[j]; y is not reported again
    }


@pytest.mark.parametrize("text", ["{not json", "- just\n- a list\n", "42", ""])
def test_text_that_is_not_a_model_is_a_schema_issue(text: str) -> None:
    issues = validate(text)
    assert [i.code for i in issues] == [IssueCode.SCHEMA]
    assert issues[0].path == "(document)"


def test_syntax_error() -> None:
    issue = only(broken(expression("supply", "sum(x[i, j] for j in J <= a[i]")), IssueCode.SYNTAX)
    assert issue.path == "constraints.supply.expression"


def test_forbidden_syntax_keeps_the_parsers_hint() -> None:
    issues = broken(expression("supply", "__import__('os').system('rm') <= 1"))
    assert only(issues, IssueCode.FORBIDDEN_SYNTAX).path == "constraints.supply.expression"
    issue = only(
        broken(expression("supply", "x[i, 'chicago'] ^ 2 <= a[i]")), IssueCode.FORBIDDEN_SYNTAX
    )
    assert "'**'" in issue.hint


def test_unknown_name_suggests_the_closest_declared_name() -> None:
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in J) <= cap[i]")), IssueCode.UNKNOWN_NAME
    )
    assert issue.path == "constraints.supply.expression"
    assert "'cap'" in issue.message
    issue = only(
        broken(expression("supply", "sum(xx[i, j] for j in J) <= a[i]")), IssueCode.UNKNOWN_NAME
    )
    assert "did you mean 'x'" in issue.hint


def test_unknown_set_in_a_sum_suggests_the_set() -> None:
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in JJ) <= a[i]")), IssueCode.UNKNOWN_NAME
    )
    assert "unknown set 'JJ'" in issue.message and "'J'" in issue.hint


def test_an_index_used_outside_its_domain_says_how_to_bind_it() -> None:
    issue = only(broken(expression("supply", "x[i, j] <= a[i]")), IssueCode.UNKNOWN_NAME)
    assert "forall" in issue.hint and "j in J" in issue.hint


def test_duplicate_names_across_sets_and_variables() -> None:
    issues = broken(lambda d: d["variables"].update(J={"type": "binary"}))
    issue = only(issues, IssueCode.DUPLICATE_NAME)
    assert issue.path == "variables.J" and "set" in issue.message and "variable" in issue.message
    assert not [i for i in issues if i.severity is Severity.ERROR and i is not issue]


def test_an_index_name_shadowing_a_declared_name() -> None:
    issues = broken(
        lambda d: d["constraints"]["supply"].update(
            forall="a in I", expression="sum(x[a, j] for j in J) <= 5"
        )
    )
    issue = only(issues, IssueCode.DUPLICATE_NAME)
    assert issue.path == "constraints.supply.forall" and "'a'" in issue.message


def test_an_index_bound_twice_is_reported() -> None:
    issue = only(
        broken(expression("supply", "sum(x[i, j] for i in I for j in J) <= a[i]")),
        IssueCode.DUPLICATE_NAME,
    )
    assert "bound twice" in issue.message


def test_reserved_and_unusable_names() -> None:
    issues = broken(lambda d: d["parameters"].update({"max": 3, "inf": 1, "unit cost": 2}))
    found = {(i.path, i.code, i.severity) for i in issues}
    assert ("parameters.max", IssueCode.DUPLICATE_NAME, Severity.WARNING) in found
    assert (
        "parameters.inf",
        IssueCode.DUPLICATE_NAME,
        Severity.ERROR,
    ) in found  # would redefine inf
    assert ("parameters.unit cost", IssueCode.SCHEMA, Severity.WARNING) in found


def test_index_arity_of_variables_tables_and_domains() -> None:
    issue = only(
        broken(expression("supply", "sum(x[j] for j in J) <= a[i]")), IssueCode.INDEX_ARITY
    )
    assert issue.path == "constraints.supply.expression" and "x[i, j]" in issue.hint
    issue = only(
        broken(expression("supply", "sum(d[i] * x[i, j] for j in J) <= a[i]")),
        IssueCode.INDEX_ARITY,
    )
    assert "'d'" in issue.message
    issue = only(
        broken(lambda d: d["constraints"]["supply"].update(forall="(i, k) in I")),
        IssueCode.INDEX_ARITY,
    )
    assert issue.path == "constraints.supply.forall"
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in J) <= f[i]")), IssueCode.INDEX_ARITY
    )
    assert "scalar" in issue.message
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in J) <= a")), IssueCode.INDEX_ARITY
    )
    assert "a[i]" in issue.hint


def test_index_values_from_the_wrong_set_are_a_warning() -> None:
    def square(d: dict[str, Any]) -> None:  # three members each, so x[j, i] is not an arity error
        d["sets"].update(I=["p", "q", "r"], J=["s", "t", "u"])
        for name, index in (("a", ["I"]), ("b", ["J"]), ("d", ["I", "J"])):
            d["parameters"][name] = {"index": index, "default": 100.0}

    assert broken(square) == []
    issues = broken(
        lambda d: (
            square(d)
            or d["constraints"]["supply"].update(expression="sum(x[j, i] for j in J) <= a[i]")
        )
    )
    warnings = [i for i in issues if i.severity is Severity.WARNING]
    assert warnings and all(i.code is IssueCode.TYPE_MISMATCH for i in warnings)
    assert "'j' ranges over J but index 1 of 'x' is over I" in warnings[0].message


def test_a_constant_index_outside_the_set() -> None:
    issue = only(broken(expression("supply", "x[i, 'boston'] <= a[i]")), IssueCode.TYPE_MISMATCH)
    assert "'boston' is not a member of J" in issue.message and "'chicago'" in issue.hint
    assert issue.severity is Severity.ERROR
    issues = broken(
        lambda d: (
            d["parameters"]["d"].update(default=9.0)
            or d["constraints"]["supply"].update(
                expression="sum(d[i, 'boston'] * x[i, j] for j in J) <= a[i]"
            )
        )
    )
    assert only(issues, IssueCode.TYPE_MISMATCH).severity is Severity.WARNING  # d gives its default


def test_text_where_a_number_belongs() -> None:
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in J) <= 'lots'")), IssueCode.TYPE_MISMATCH
    )
    assert "'lots' is not a number" in issue.message


def test_an_index_stepping_outside_the_set_is_found_at_its_binding() -> None:
    def inventory(d: dict[str, Any]) -> None:
        d["sets"]["T"] = {"range": [1, 3]}
        d["variables"]["s"] = {"index": ["T"]}
        d["constraints"]["carry"] = {"forall": "t in T", "expression": "s[t] >= s[t - 1]"}

    issue = only(broken(inventory), IssueCode.TYPE_MISMATCH)
    assert issue.path == "constraints.carry.expression"
    assert issue.message.startswith("for t=1: s[0] is outside the index") and "t > 1" in issue.hint


def test_infinite_numbers_in_the_model() -> None:
    issue = only(
        broken(expression("supply", "1e400 * x[i, 'chicago'] <= a[i]")), IssueCode.NON_NUMERIC
    )
    assert "coefficient of x['seattle', 'chicago'] is inf" in issue.message
    issues = broken(
        lambda d: d["objective"].update(expression="inf + sum(x[i, j] for i in I for j in J)")
    )
    assert only(issues, IssueCode.NON_NUMERIC).path == "objective.expression"


def test_variables_are_not_allowed_in_bounds_filters_or_set_definitions() -> None:
    issues = broken(lambda d: d["variables"].update(y={"ub": "2 * x['seattle', 'chicago']"}))
    assert any(i.path == "variables.y.ub" and i.code is IssueCode.TYPE_MISMATCH for i in issues)
    issues = broken(lambda d: d["constraints"]["supply"].update(where="x[i, 'chicago'] >= 1"))
    assert only(issues, IssueCode.TYPE_MISMATCH).path == "constraints.supply.where"


def test_a_bound_using_an_index_needs_a_domain_index() -> None:
    issues = broken(lambda d: d["variables"]["x"].update(ub="d[i, j] * 100"))
    issue = next(i for i in issues if i.message == "unknown name 'i'")
    assert issue.path == "variables.x.ub" and '"index": "i in I"' in issue.hint
    fixed = broken(lambda d: d["variables"]["x"].update(index="i in I, j in J", ub="d[i, j] * 100"))
    assert fixed == []


def test_a_set_used_before_its_definition() -> None:
    issues = broken(
        lambda d: d["sets"].update(K={"from": "i in I, l in L", "where": "i != l"}, L=["a"])
    )
    issue = only(issues, IssueCode.SET_ORDER)
    assert issue.path == "sets.K.from" and "'L'" in issue.message
    assert len([i for i in issues if i.severity is Severity.ERROR]) == 1  # no echo from the data


def test_a_set_filtered_on_a_table_over_a_later_set() -> None:
    def change(d: dict[str, Any]) -> None:
        d["sets"].update(K=[1, 2], BIG={"from": "k in K", "where": "size[k] > 1"}, L=[1, 2])
        d["parameters"]["size"] = {"index": ["L"], "default": 2}

    issue = only(broken(change), IssueCode.SET_ORDER)
    assert issue.path == "sets.BIG.where" and "indexed by L" in issue.message


def test_missing_table_entries() -> None:
    issue = only(
        broken(lambda d: d["parameters"]["a"].update(values={"seattle": 350})),
        IssueCode.MISSING_DATA,
    )
    assert (
        issue.path == "parameters.a.values"
        and "san_diego" in issue.message
        and "default" in issue.hint
    )


def test_non_numeric_data() -> None:
    issue = only(
        broken(lambda d: d["parameters"].update(f={"value": "90 dollars"})), IssueCode.NON_NUMERIC
    )
    assert issue.path.startswith("parameters.f") and "plain number" in issue.hint


def test_bound_conflicts() -> None:
    def change(d: dict[str, Any]) -> None:
        d["variables"].update(
            y={"lb": 5, "ub": 2},
            z={"type": "binary", "lb": 2},
            w={"type": "binary", "ub": 3},
            n={"type": "integer", "ub": 2.5},
        )

    conflicts = {(i.path, i.severity) for i in broken(change) if i.code is IssueCode.BOUND_CONFLICT}
    assert conflicts == {
        ("variables.y.ub", Severity.ERROR),
        ("variables.z.lb", Severity.ERROR),  # neither 0 nor 1 allowed
        ("variables.w.ub", Severity.ERROR),
        ("variables.n.ub", Severity.WARNING),
    }


def test_bound_conflicts_of_expression_bounds_are_found_per_index() -> None:
    issues = broken(
        lambda d: d["variables"]["x"].update(index="i in I, j in J", lb="a[i]", ub="b[j]")
    )
    issue = only(issues, IssueCode.BOUND_CONFLICT)
    assert issue.path == "variables.x.ub" and "i='seattle', j='new_york'" in issue.message


def test_strict_inequality() -> None:
    issue = only(
        broken(expression("supply", "sum(x[i, j] for j in J) < a[i]")), IssueCode.STRICT_INEQUALITY
    )
    assert issue.path == "constraints.supply.expression" and "<=" in issue.hint


@pytest.mark.parametrize(
    "text",
    [
        "sum(x[i, j] for j in J)",
        "sum(x[i, j] for j in J) != a[i]",
        "sum(x[i, j] for j in J) <= a[i] and x[i, 'chicago'] >= 1",
    ],
)
def test_a_constraint_that_is_not_a_relation(text: str) -> None:
    issue = only(broken(expression("supply", text)), IssueCode.NOT_A_CONSTRAINT)
    assert issue.path == "constraints.supply.expression" and issue.hint


@pytest.mark.parametrize(
    "text",
    [
        "0 <= sum(x[i, j] for j in J) <= a[i]",
        "x[i, 'chicago'] <= x[i, 'topeka'] <= a[i]",  # two rows, as the compiler builds them
    ],
)
def test_chained_relations_are_constraints(text: str) -> None:
    assert broken(expression("supply", text)) == []


def test_a_constant_part_of_a_chain_that_cannot_hold() -> None:
    issue = only(
        broken(expression("supply", "a[i] <= 100 <= x[i, 'chicago']")), IssueCode.NO_VARIABLES
    )
    assert "350 <= 100" in issue.message


def test_an_objective_that_is_a_relation() -> None:
    issues = broken(
        lambda d: d["objective"].update(expression="sum(x[i, j] for i in I for j in J) >= 1")
    )
    issue = only(issues, IssueCode.TYPE_MISMATCH)
    assert issue.path == "objective.expression" and "relation" in issue.message


def test_a_sum_empty_for_every_index() -> None:
    issues = broken(
        expression("supply", "sum(x[i, j] for j in J if d[i, j] > 100) + x[i, 'topeka'] <= a[i]")
    )
    issue = only(issues, IssueCode.EMPTY_SUM)
    assert issue.path == "constraints.supply.expression" and issue.severity is Severity.WARNING
    assert "d[i, j] > 100" in issue.message


def test_a_constraint_without_variables() -> None:
    issue = only(broken(expression("supply", "a[i] <= 1000")), IssueCode.NO_VARIABLES)
    assert issue.path == "constraints.supply.expression" and issue.severity is Severity.WARNING
    warning, error = broken(expression("supply", "a[i] <= 400"))  # and the data makes it false
    assert warning.severity is Severity.WARNING and error.code is IssueCode.NO_VARIABLES
    assert error.severity is Severity.ERROR and "i='san_diego': 600 <= 400" in error.message


def test_a_condition_on_the_data_alone_switches_a_constraint_on_or_off() -> None:
    def extra(where: str, text: str) -> list[Issue]:
        return broken(lambda d: d["constraints"].update(extra={"where": where, "expression": text}))

    assert extra("f > 100", "x['seattle', 'chicago'] >= 1") == []
    assert [i.severity for i in extra("f > 1", "1 >= 2")] == [Severity.WARNING, Severity.ERROR]
    assert [i.severity for i in extra("f > 100", "1 >= 2")] == [Severity.WARNING]  # switched off


def test_a_constraint_whose_variables_all_vanish_and_cannot_hold() -> None:
    issues = broken(expression("demand", "sum(x[i, j] for i in I if a[i] > 1000) >= b[j]"))
    issue = only(issues, IssueCode.NO_VARIABLES)
    assert "0 >= 325" in issue.message and "j='new_york'" in issue.message
    assert only(issues, IssueCode.EMPTY_SUM).severity is Severity.WARNING


def test_an_unbounded_looking_objective() -> None:
    issues = broken(lambda d: d["objective"].update(sense="maximize"))
    assert issues == []  # supply limits every x from above
    issues = broken(
        lambda d: d["objective"].update(sense="maximize") or d["constraints"].pop("supply")
    )
    issue = only(issues, IssueCode.UNBOUNDED_OBJECTIVE)
    assert issue.path == "objective.expression" and issue.severity is Severity.WARNING
    assert "x[" in issue.message and '"ub"' in issue.hint
    # without a lower bound, a minimisation rewards y for falling
    issues = broken(
        lambda d: (
            d["objective"].update(expression="sum(x[i, j] for i in I for j in J) + 2 * y")
            or d["variables"].update(y={"lb": None})
        )
    )
    assert "falls" in only(issues, IssueCode.UNBOUNDED_OBJECTIVE).message


def test_unused_variables_are_a_warning() -> None:
    issue = only(
        broken(lambda d: d["variables"].update(spare={"type": "integer"})),
        IssueCode.UNUSED_VARIABLE,
    )
    assert issue.path == "variables.spare" and issue.severity is Severity.WARNING


# --- all at once ------------------------------------------------------------------------------------
def test_five_mistakes_give_five_issues() -> None:
    def change(d: dict[str, Any]) -> None:
        d["parameters"]["f"] = {"value": "ninety"}
        d["variables"]["x"].update(lb=5, ub=2)
        d["objective"]["expression"] = "sum(f * d[i, j] * x[i, j] for i in I for j in J"
        d["constraints"]["supply"]["expression"] = "sum(x[i, j] for j in J) <= aa[i]"
        d["constraints"]["demand"]["expression"] = "sum(x[i, j] for i in I) > b[j]"

    issues = broken(change)
    assert [(i.path, i.code) for i in issues] == [
        ("parameters.f.value", IssueCode.NON_NUMERIC),
        ("variables.x.ub", IssueCode.BOUND_CONFLICT),
        ("objective.expression", IssueCode.SYNTAX),
        ("constraints.supply.expression", IssueCode.UNKNOWN_NAME),
        ("constraints.demand.expression", IssueCode.STRICT_INEQUALITY),
    ]


def test_an_internal_failure_is_an_issue_not_a_crash() -> None:
    # model_construct skips pydantic's checks, so the validator meets a shape it never expects.
    formulation = Formulation.model_construct(variables=None, objective=None, sets={})
    issues = validate(formulation)
    assert issues and all(i.code is IssueCode.UNSUPPORTED for i in issues)
    assert "bug" in issues[0].hint


def test_issues_come_in_document_order() -> None:
    def change(d: dict[str, Any]) -> None:
        d["constraints"]["supply"]["expression"] = "x <= 1"
        d["parameters"]["f"] = "ninety"

    sections = [i.path.split(".")[0] for i in broken(change)]
    assert sections == sorted(sections, key=["parameters", "constraints"].index)


def test_format_issues_numbers_errors_before_warnings_with_hints() -> None:
    def change(d: dict[str, Any]) -> None:
        d["variables"]["spare"] = {}
        d["constraints"]["supply"]["expression"] = "sum(x[i, j] for j in J) <= cap[i]"

    text = format_issues(broken(change))
    lines = text.splitlines()
    assert lines[0] == "The formulation has 1 error(s) and 1 warning(s)."
    assert "1. constraints.supply.expression: unknown name 'cap' [unknown-name]" in lines
    assert text.index("Errors") < text.index("2. variables.spare") and "   Hint: " in text


@pytest.mark.parametrize(
    "document", [None, 42, [], "[]", {}, {"variables": 3}, {"objective": None}]
)
def test_garbage_gives_issues_not_exceptions(document: Any) -> None:
    issues = validate(document)
    assert issues and all(i.code is IssueCode.SCHEMA for i in issues)
