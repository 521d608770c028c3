"""``optmodel solve``: solve Formulation files, LP/MPS files, or plain-language problems."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.options import LLM_OPTION, NO_CACHE_OPTION, parse_solver_options

if TYPE_CHECKING:
    from optmodel.llm.formulator import Attempt, FormulationResult
    from optmodel.model_solver import ModelRun
    from optmodel.solvers.base import SolveOptions


def solve(
    models: list[Path] = typer.Argument(
        ...,
        help="Model files: .json/.yaml Formulations, .lp/.mps programs, or .txt problems in plain language.",
    ),
    solver: str = typer.Option(
        "auto",
        "--solver",
        "-s",
        help="auto, highs, cpsat, glop, pdlp, ortools-scip, scip, alns, or pyomo:NAME for any solver "
        "Pyomo's SolverFactory knows (pyomo:cbc, pyomo:gurobi...).",
    ),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds per solve."),
    threads: int | None = typer.Option(None, "--threads", help="Solver threads."),
    gap: float | None = typer.Option(None, "--gap", help="Relative MIP gap at which to stop."),
    seed: int = typer.Option(0, "--seed", help="Random seed for solvers and sampling."),
    option: list[str] = typer.Option(
        [], "--option", "-o", help="Solver option KEY=VALUE (repeatable)."
    ),
    output: str = typer.Option("table", "--output", help="table or json."),
    write_lp: Path | None = typer.Option(
        None, "--write-lp", help="Also write the compiled model as an LP file."
    ),
    write_mps: Path | None = typer.Option(
        None, "--write-mps", help="Also write the compiled model as an MPS file."
    ),
    llm: str | None = LLM_OPTION,
    attempts: int = typer.Option(4, "--attempts", help="LLM calls per problem (1 = no repair)."),
    samples: int = typer.Option(
        1, "--samples", help="Self-consistency: formulations sampled per problem."
    ),
    show_model: bool = typer.Option(
        True, "--show-model/--no-show-model", help="Print the model as math."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the solver log."),
    no_cache: bool = NO_CACHE_OPTION,
    duals: bool = typer.Option(
        False,
        "--duals",
        help="Also print duals, slacks, reduced costs and ranging (LPs; always in --output json).",
    ),
) -> None:
    """Solve each MODEL and print the status, objective, non-zero values and the largest constraint violation."""
    if solver == "alns":
        # Its host process imports numpy and highspy while this one reads the model.
        from optmodel.solvers.alns.host_client import start_host_early

        start_host_early()
    from optmodel.cli.output import err_console
    from optmodel.errors import OptmodelError
    from optmodel.solvers.base import SolveOptions

    if output not in ("table", "json"):
        raise typer.BadParameter("--output must be 'table' or 'json'")
    if (write_lp or write_mps) and len(models) != 1:
        raise typer.BadParameter("--write-lp/--write-mps take a single model")
    options = SolveOptions(
        time_limit=time_limit,
        threads=threads,
        rel_gap=gap,
        seed=seed,
        verbose=verbose,
        solver_options=parse_solver_options(option),
        ranging=True if duals else None,
    )
    payloads: list[dict[str, Any]] = []
    worst = ExitCode.OK
    for path in models:
        try:
            code, payload = _solve_one(
                path,
                solver,
                options,
                output,
                write_lp,
                write_mps,
                llm,
                attempts,
                samples,
                show_model,
                no_cache=no_cache,
                duals=duals,
            )
        except OptmodelError as exc:
            code, payload = _error_code(exc), {"model": str(path), "error": str(exc)}
            err_console.print(f"[red]error[/red] {escape(f'{path}: {exc}')}")
        payloads.append(payload)
        worst = max(worst, code)
    if output == "json":
        from optmodel.cli.output import print_json

        print_json(payloads[0] if len(payloads) == 1 else payloads)
    raise typer.Exit(int(worst))


def _error_code(exc: Exception) -> ExitCode:
    from optmodel.errors import LLMNotConfiguredError, PendingBatchError

    if isinstance(exc, PendingBatchError):
        return ExitCode.PENDING
    if isinstance(exc, LLMNotConfiguredError):
        return ExitCode.NOT_CONFIGURED
    return ExitCode.ERROR


def _solve_one(
    path: Path,
    solver: str,
    options: SolveOptions,
    output: str,
    write_lp: Path | None,
    write_mps: Path | None,
    llm: str | None,
    attempts: int,
    samples: int,
    show_model: bool,
    *,
    no_cache: bool = False,
    duals: bool = False,
) -> tuple[ExitCode, dict[str, Any]]:
    from optmodel.cli.output import (
        exit_code_for,
        integer_variables,
        print_issues,
        print_result,
    )
    from optmodel.errors import FormulationError, ModelFileError
    from optmodel.modeling.checks.validate import validate
    from optmodel.modeling.language.load import decode_text, load_formulation
    from optmodel.pipeline import MATH_PROGRAM_SUFFIXES, MODEL_SUFFIXES, solve_file

    table = output == "table"
    if not path.exists():
        raise ModelFileError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in MATH_PROGRAM_SUFFIXES:
        if write_lp or write_mps:
            from optmodel.standard_form.io import read_model_file, write_lp_or_mps

            model, symbols = read_model_file(path)
            write_lp_or_mps(model, symbols, lp=write_lp, mps=write_mps)
        answer = solve_file(path, solver, options)
        if table:
            print_result(answer.result, title=str(path), duals=duals)
        return exit_code_for(answer.result), {
            "model": str(path),
            "source": "file",
            **answer.result.to_dict(),
        }
    if suffix in MODEL_SUFFIXES:
        started = time.perf_counter()
        try:
            formulation = load_formulation(path)
        except FormulationError as exc:
            # load_formulation stops at the document's shape; validate also reports the expressions' problems.
            issues = (
                validate(decode_text(path.read_text(encoding="utf-8")), base_dir=path.parent)
                or exc.issues
            )
            print_issues(issues, title=f"{path}: the model is not a valid Formulation")
            return ExitCode.INVALID_MODEL, {
                "model": str(path),
                "issues": [i.to_dict() for i in issues],
            }
        from optmodel.cli.output import stage_progress
        from optmodel.model_solver import run_formulation

        read_s = time.perf_counter() - started
        with stage_progress(table) as progress:
            run = run_formulation(formulation, solver=solver, options=options, progress=progress)
        return _report_run(
            path, run, table, write_lp, write_mps, "formulation", duals, read_s=read_s
        )
    # Anything else is a problem in plain language.
    from optmodel.cli.formulate_cmd import attempt_line, missing_data_note, run_formulator

    text = path.read_text(encoding="utf-8")
    outcome, provider_label = run_formulator(
        text, path.stem, llm, solver, options, attempts, samples, no_cache=no_cache
    )
    formulated = outcome.formulation
    if table:
        from optmodel.cli.output import console

        console.print(
            f"[bold]{escape(str(path))}[/bold]  [dim]formulated by {escape(provider_label)}; "
            f"{outcome.calls_text()}, {outcome.prompt_tokens + outcome.completion_tokens} tokens[/dim]"
        )
        for attempt in outcome.attempts:
            if attempt.verdict:
                _print_verdict(attempt)
            if attempt.stage not in ("ok", "verify"):
                console.print(f"  [dim]{escape(attempt_line(attempt))}[/dim]")
        if formulated is not None and show_model:
            from optmodel.modeling.render import render_text

            console.print(render_text(formulated), markup=False)
    payload: dict[str, Any] = {
        "model": str(path),
        "source": "llm",
        "llm": provider_label,
        "llm_calls": outcome.llm_calls,
        "cached_llm_calls": outcome.cached_calls,
        "reason": outcome.reason,
        "formulation": formulated.to_dict() if formulated else None,
        "assumptions": list(outcome.assumptions),
        "verdict": outcome.verdict,
        "missing_data": list(outcome.missing_data),
    }
    if outcome.missing_data:
        from optmodel.cli.output import err_console

        err_console.print(f"{path}: {missing_data_note(outcome)}", markup=False, soft_wrap=True)
    if outcome.declined:
        payload["error"] = outcome.reason
        return ExitCode.MISSING_DATA, payload
    if outcome.llm_failed:
        from optmodel.cli.output import err_console

        err_console.print(
            f"[red]the LLM failed[/red] {escape(f'{path}: {outcome.reason}')}", soft_wrap=True
        )
        payload["error"] = outcome.reason
        return ExitCode.LLM_FAILED, payload
    if outcome.result is None:
        if table:
            print_issues(
                [i for a in outcome.attempts[-1:] for i in a.issues],
                title=f"no solved model: {outcome.reason}",
            )
        return ExitCode.INVALID_MODEL, payload
    if table:
        print_result(outcome.result, title=f"{path}: answer", formulation=formulated, duals=duals)
        _print_reading(outcome)
    payload.update(outcome.result.to_dict(integer_variables(formulated)))
    code = exit_code_for(outcome.result)
    return (
        ExitCode.MISSING_DATA if code is ExitCode.OK and outcome.missing_data else code
    ), payload


_VERDICT_TEXT = {
    "ok": "the LLM checked the solved plan against the text and found no discrepancy",
    "wrong": "the LLM reported discrepancies with the text (listed above) that no corrected model "
    "resolved; this answer may not be the problem's",
    "unreadable": "the LLM's verdict could not be read",
    "": "not verified",
}


def _print_verdict(attempt: Attempt) -> None:
    from optmodel.cli.output import console

    console.print(f"  [dim]attempt {attempt.number}: verification: {attempt.verdict}[/dim]")
    for item in attempt.discrepancies:
        console.print(f"    [dim]- {escape(item)}[/dim]")


def _print_reading(outcome: FormulationResult) -> None:
    """Which problem was solved: the stated readings of the text, and the verification verdict."""
    from optmodel.cli.output import console

    if outcome.assumptions:
        console.print("[bold]Assumptions[/bold] (the reading of the text that was solved):")
        for item in outcome.assumptions:
            console.print(f"  - {escape(item)}")
    console.print(
        f"[bold]Verification:[/bold] {_VERDICT_TEXT.get(outcome.verdict, outcome.verdict)}"
    )


def _report_run(
    path: Path,
    run: ModelRun,
    table: bool,
    write_lp: Path | None,
    write_mps: Path | None,
    source: str,
    duals: bool = False,
    read_s: float = 0.0,
) -> tuple[ExitCode, dict[str, Any]]:
    from optmodel.cli.output import (
        err_console,
        exit_code_for,
        integer_variables,
        print_issues,
        print_result,
        stage_seconds,
    )
    from optmodel.model_solver import Stage

    stages = stage_seconds(read_s, run.timings)
    payload: dict[str, Any] = {
        "model": str(path),
        "source": source,
        "issues": [i.to_dict() for i in run.issues],
        "stages_s": stages,
        "build_path": run.build_path,
    }
    if run.stage is Stage.VALIDATE:
        print_issues(run.issues, title=f"{path}: the model has problems")
        return ExitCode.INVALID_MODEL, payload
    if run.stage is Stage.COMPILE:
        err_console.print(f"[red]error[/red] {escape(f'{path}: {run.error}')}")
        payload["error"] = run.error
        return ExitCode.INVALID_MODEL, payload
    if run.warnings and table:
        print_issues(run.warnings, title=f"{path}: warnings")
    if run.compiled is not None:
        from optmodel.standard_form.io import write_lp_or_mps

        write_lp_or_mps(run.compiled.model, run.compiled.symbols, lp=write_lp, mps=write_mps)
    if run.result is None:
        err_console.print(f"[red]error[/red] {escape(f'{path}: {run.error}')}")
        payload["error"] = run.error
        return ExitCode.ERROR, payload
    if table:
        print_result(
            run.result,
            title=str(path),
            formulation=run.formulation,
            duals=duals,
            stages=stages,
            build_path=run.build_path,
        )
        if run.stage is Stage.CHECK:
            err_console.print(
                f"[yellow]warning[/yellow] the solution violates the model: {escape(str(run.error))}"
            )
    payload.update(run.result.to_dict(integer_variables(run.formulation)))
    return exit_code_for(run.result), payload
