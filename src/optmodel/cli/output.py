"""How the CLI shows results and problems: rich tables for people, a stable JSON shape for scripts."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optmodel.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from optmodel.modeling.ir import Formulation
    from optmodel.modeling.issues import Issue
    from optmodel.solvers.base import SolveResult

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: Values smaller than this are not listed as "non-zero".
ZERO = 1e-9


def exit_code_for(result: SolveResult) -> ExitCode:
    from optmodel.solvers.base import SolutionStatus, TerminationCondition

    if result.has_solution:
        return ExitCode.OK
    if (
        result.status is SolutionStatus.INFEASIBLE
        or result.termination is TerminationCondition.INFEASIBLE
    ):
        return ExitCode.INFEASIBLE
    if result.status is SolutionStatus.UNBOUNDED or result.termination in (
        TerminationCondition.UNBOUNDED,
        TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    ):
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


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 1e15
    ):
        return str(int(value))
    return f"{value:.10g}"


def _key_text(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ",".join(str(p) for p in parts)


def nonzero_values(result: SolveResult) -> list[tuple[str, str, float]]:
    """(variable name, index text, value) for every variable value that is not zero."""
    rows = []
    for name, entry in result.solution.items():
        if isinstance(entry, Mapping):
            for key, value in entry.items():
                if abs(value) > ZERO:
                    rows.append((name, _key_text(key), float(value)))
        elif abs(entry) > ZERO:
            rows.append((name, "", float(entry)))
    return rows


def print_result(
    result: SolveResult, *, title: str, formulation: Formulation | None = None, max_rows: int = 200
) -> None:
    status_colour = "green" if result.has_solution else "red"
    console.print(f"[bold]{escape(title)}[/bold]")
    console.print(
        f"  status      [{status_colour}]{result.status.value}[/{status_colour}]"
        f" (solver stopped: {result.termination.value})"
    )
    console.print(f"  objective   {_fmt(result.objective)}")
    if result.gap is not None and result.gap > 0:
        console.print(f"  best bound  {_fmt(result.best_bound)}  (gap {result.gap:.3%})")
    console.print(f"  solver      {result.solver} {result.solver_version}".rstrip())
    console.print(f"  time        {result.wall_time:.3f} s")
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
    if not rows:
        return
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
        cells = [name, index, _fmt(value)]
        if described and formulation is not None:
            var = formulation.variables.get(name)
            cells.append(var.description or "" if var else "")
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)
    if len(rows) > max_rows:
        console.print(f"  ... and {len(rows) - max_rows} more (use --output json for all)")


def print_json(payload: Any) -> None:
    # Plain print: rich would wrap long lines and break the JSON.
    print(json.dumps(payload, indent=2, default=str))
