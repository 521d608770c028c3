"""How the CLI shows results and problems: rich tables for people, a stable JSON shape for scripts."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optmodel.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from optmodel.modeling.language.ir import Formulation
    from optmodel.modeling.language.issues import Issue
    from optmodel.solvers.base import SolveResult

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: Values smaller than this are not listed as "non-zero".
ZERO = 1e-9


def exit_code_for(result: SolveResult) -> ExitCode:
    from optmodel.solvers.base import TerminationCondition

    if result.has_solution:
        return ExitCode.OK
    if result.is_infeasible:
        return ExitCode.INFEASIBLE
    if result.is_unbounded:
        return ExitCode.UNBOUNDED
    if result.termination is TerminationCondition.ERROR:
        return ExitCode.ERROR
    return ExitCode.NO_SOLUTION


def print_issues(issues: Sequence[Issue], *, title: str = "") -> None:
    if title:
        err_console.print(f"[bold]{escape(title)}[/bold]")
    # Messages quote expressions such as x[i]; unescaped, rich would take [i] for a style tag and drop it.
    for issue in issues:
        colour = "red" if issue.severity.value == "error" else "yellow"
        err_console.print(
            f"  [{colour}]{issue.severity.value}[/{colour}] [bold]{escape(issue.path)}[/bold]: {escape(issue.message)} "
            f"[dim]({issue.code.value})[/dim]"
        )
        if issue.hint:
            err_console.print(f"      hint: {escape(issue.hint)}")


def _fmt(value: float | None, *, integer_variable: bool = False) -> str:
    from optmodel.solvers.tidy import tidy_number

    tidy = tidy_number(value, integer_variable=integer_variable)
    if tidy is None:
        return "-"
    if isinstance(tidy, float):
        return f"{tidy:.10g}"
    return str(tidy)


def _key_text(key: Any) -> str:
    if key is None:
        return ""
    parts = key if isinstance(key, tuple) else (key,)
    return ",".join(str(p) for p in parts)


def integer_variables(formulation: Formulation | None) -> frozenset[str]:
    """Names of the Formulation's integer and binary variables (printed with the integrality tolerance)."""
    if formulation is None:
        return frozenset()
    return frozenset(n for n, v in formulation.variables.items() if v.type != "continuous")


def nonzero_values(result: SolveResult) -> list[tuple[str, str, float]]:
    """(variable name, index text, value) for every variable value that is not zero."""
    from optmodel.solvers.base import entries

    return [
        (name, _key_text(key), float(value))
        for name, key, value in entries(result.solution)
        if abs(value) > ZERO
    ]


def stage_seconds(read_s: float, timings: Mapping[str, float]) -> dict[str, float]:
    """Seconds per stage of a run (read, validate, build, solve, check), for the table and for JSON."""
    stages = {"read": read_s}
    for stage, key in (
        ("validate", "validate_s"),
        ("build", "compile_s"),
        ("solve", "solve_s"),
        ("check", "check_s"),
    ):
        if key in timings:
            stages[stage] = timings[key]
    return stages


@contextlib.contextmanager
def stage_progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the stage under way (and the build's progress); silent when not enabled."""
    if not enabled:
        yield lambda _: None
        return
    with err_console.status("reading") as status:
        yield lambda stage: status.update(escape(stage))


def print_result(
    result: SolveResult,
    *,
    title: str,
    formulation: Formulation | None = None,
    max_rows: int = 200,
    duals: bool = False,
    stages: Mapping[str, float] | None = None,
    build_path: str = "",
) -> None:
    status_colour = "green" if result.has_solution else "red"
    console.print(f"[bold]{escape(title)}[/bold]")
    console.print(
        f"  status      [{status_colour}]{result.status.value}[/{status_colour}]"
        f" (solver stopped: {result.termination.value})"
    )
    console.print(f"  objective   {_fmt(result.objective)}")
    if result.reported_objective is not None:
        console.print(
            f"  reported    {_fmt(result.reported_objective)}  (rounded as the model asks)"
        )
    if result.gap is not None and result.gap > 0:
        console.print(f"  best bound  {_fmt(result.best_bound)}  (gap {result.gap:.3%})")
    console.print(f"  solver      {result.solver} {result.solver_version}".rstrip())
    console.print(f"  time        {result.wall_time:.3f} s")
    if stages:
        shown = ", ".join(
            f"{stage} {seconds:.3f} s"
            + (f" ({build_path})" if stage == "build" and build_path else "")
            for stage, seconds in stages.items()
        )
        console.print(f"  stages      {shown}")
    if result.max_violation is not None:
        console.print(f"  max constraint violation  {result.max_violation:.3g}")
    if result.conflicts:
        console.print(f"  conflicting constraints   {escape(', '.join(result.conflicts))}")
    if result.unbounded_variables:
        console.print(
            f"  unbounded variables       {escape(', '.join(result.unbounded_variables[:20]))}"
        )
    if result.message:
        console.print(f"  note        {escape(result.message)}")
    rows = nonzero_values(result)
    if rows:
        _print_values(rows, formulation, max_rows)
    if duals:
        print_sensitivity(result, max_rows)


def _print_values(
    rows: list[tuple[str, str, float]], formulation: Formulation | None, max_rows: int
) -> None:
    integers = integer_variables(formulation)
    table = Table(title="non-zero values", title_justify="left", show_edge=False)
    table.add_column("variable")
    table.add_column("index")
    table.add_column("value", justify="right")
    described = formulation is not None and any(
        v.description for v in formulation.variables.values()
    )
    if described:
        table.add_column("meaning")
    for name, index, value in rows[:max_rows]:
        cells = [name, index, _fmt(value, integer_variable=name in integers)]
        if described and formulation is not None:
            var = formulation.variables.get(name)
            cells.append(var.description or "" if var else "")
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    if len(rows) > max_rows:
        console.print(f"  ... and {len(rows) - max_rows} more (use --output json for all)")


def print_sensitivity(result: SolveResult, max_rows: int = 200) -> None:
    """Constraints with dual, slack and RHS range, variables with reduced cost and cost range (LPs)."""
    from optmodel.solvers.base import entries, entry_at

    sens = result.sensitivity
    if sens is None:
        console.print(
            "  duals       none: they come with LPs solved to optimality by HiGHS "
            "(use --solver highs on an LP)"
        )
        return
    constraints = Table(title="constraints", title_justify="left", show_edge=False)
    for column in ("constraint", "index", "dual", "slack", "rhs range"):
        constraints.add_column(
            column, justify="left" if column in ("constraint", "index") else "right"
        )
    rows = entries(sens.duals)
    for name, key, dual in rows[:max_rows]:
        slack = entry_at(sens.slacks, name, key)
        span = entry_at(sens.rhs_ranges, name, key)
        cells = [name, _key_text(key), _fmt(dual), _fmt(slack), _range_text(span)]
        constraints.add_row(*(escape(c) for c in cells))
    console.print(constraints)
    variables = Table(title="reduced costs", title_justify="left", show_edge=False)
    for column in ("variable", "index", "reduced cost", "cost range"):
        variables.add_column(column, justify="left" if column in ("variable", "index") else "right")
    columns = entries(sens.reduced_costs)
    for name, key, cost in columns[:max_rows]:
        span = entry_at(sens.cost_ranges, name, key)
        cells = [name, _key_text(key), _fmt(cost), _range_text(span)]
        variables.add_row(*(escape(c) for c in cells))
    console.print(variables)
    if max(len(rows), len(columns)) > max_rows:
        console.print(f"  ... first {max_rows} rows shown (use --output json for all)")


def _range_text(span: tuple[float, float] | None) -> str:
    if span is None:
        return "-"
    low, high = span
    return f"[{_fmt(low)}, {_fmt(high)}]"


def print_json(payload: Any) -> None:
    # Plain print: rich would wrap long lines and break the JSON.
    print(json.dumps(payload, indent=2, default=str))
