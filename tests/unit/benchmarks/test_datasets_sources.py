"""The normalization rules every converter shares, on hand-checked cases."""

from __future__ import annotations

import pytest

from optmodel.benchmarks.datasets import Problem, looks_like_table, problem_kind
from optmodel.benchmarks.datasets.sources import choose_answer_key, parse_answer
from optmodel.benchmarks.datasets.sources.common import expand_items, parse_items
from optmodel.errors import DatasetError


@pytest.mark.parametrize(
    ("value", "sirl", "expected"),
    [
        ("10755.00", False, (10755.0, "optimal", "10755.00")),
        (537, False, (537.0, "optimal", None)),
        ("No Best Solution", False, (None, "infeasible", "No Best Solution")),
        ("infeasible or unbounded", False, (None, "infeasible", "infeasible or unbounded")),
        ("-9999", True, (None, "infeasible", "-9999")),
        ("-9999.0", True, (None, "infeasible", "-9999.0")),
        ("-9999", False, (-9999.0, "optimal", "-9999")),  # only SIRL uses the sentinel
        ("about 12", False, (None, "unknown", "about 12")),
        (None, False, (None, "unknown", None)),
        (float("nan"), False, (None, "unknown", None)),
    ],
)
def test_parse_answer(value: object, sirl: bool, expected: tuple[object, ...]) -> None:
    assert parse_answer(value, sirl_sentinel=sirl) == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["The maximum profit you can get"], ("The maximum profit you can get", "single-key")),
        (["Number of trucks", "Minimized Cost"], ("Minimized Cost", "keyword")),
        (
            ["The optimal price per day", "The maximum revenue"],
            ("The maximum revenue", "keyword(several)"),
        ),
        (["Number of vans", "Total Profit", "Number of cars"], ("Total Profit", "keyword(weak)")),
        (
            ["Width", "Area of the garden"],
            ("Area of the garden", "last-key(no-objective-like-key)"),
        ),
        ([], (None, "no-results")),
    ],
)
def test_choose_answer_key(keys: list[str], expected: tuple[object, str]) -> None:
    assert choose_answer_key({key: "1" for key in keys}) == expected


@pytest.mark.parametrize(
    ("data", "items"),
    [
        (b'[{"a": 1},\n {"a": 2}]\n', [{"a": 1}, {"a": 2}]),  # a JSON array over several lines
        (b'{"a": 1}\n\n{"a": 2}\n', [{"a": 1}, {"a": 2}]),  # JSON Lines, blank line skipped
        (b'{"a": 1}\n', [{"a": 1}]),  # JSON Lines with one line
        (b"[1]\n[2]\n", [[1], [2]]),  # JSON Lines whose lines are arrays
    ],
)
@pytest.mark.parametrize("name", ["items.json", "items.jsonl"])
def test_parse_items_decides_json_or_json_lines_by_content(
    data: bytes, items: list[object], name: str
) -> None:
    assert parse_items(data, name) == items


def test_parse_items_names_the_line_that_is_neither() -> None:
    with pytest.raises(DatasetError, match=r"x\.json is neither one JSON document .* line 2"):
        parse_items(b'{"a": 1}\n{"a": \n', "x.json")


def test_expand_items_keeps_source_order() -> None:
    assert expand_items("1-3,7, 5,10-11") == [1, 2, 3, 7, 5, 10, 11]


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("| a | b |\n|---|---|\n| 1 | 2 |", True),
        ("| a | b |\n| :--- | ---: |", True),
        ("\\begin{tabular}{cc} 1 & 2 \\end{tabular}", True),
        ("\\begin{array}{c} x \\end{array}", True),
        ("Profit is |x - y| at most 3.", False),
        ("No table here --- just dashes.", False),
    ],
)
def test_table_heuristic(text: str, table: bool) -> None:
    assert looks_like_table(text) is table


@pytest.mark.parametrize(
    ("dataset", "label", "kind"),
    [
        ("logior", "ILP", "MILP"),
        ("logior", "LP", "LP"),
        ("logior", "NLP", "NLP"),
        ("optibench", "nonlinear-table", "NLP"),
        ("optibench", "linear-notable", "LINEAR"),
        ("mamo-easylp", "easy_lp", "LINEAR"),
        ("nl4opt-orlm245", None, "LINEAR"),  # unlabelled: the dataset's default
        ("optmath-bench", None, "UNKNOWN"),
        ("my-own-file", None, "UNKNOWN"),
    ],
)
def test_problem_kind(dataset: str, label: str | None, kind: str) -> None:
    problem = Problem(id="p", dataset=dataset, question="q", answer=1.0, type=label)
    assert problem_kind(problem) == kind


def test_problem_rejects_an_inconsistent_answer() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        Problem(id="p", dataset="d", question="q", answer=None, answer_status="optimal")
    with pytest.raises(ValueError, match="does not fit"):
        Problem(id="p", dataset="d", question="q", answer=3.0, answer_status="infeasible")
