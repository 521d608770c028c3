"""``optmodel formulate``: plain-language problem -> Formulation file, for a person to inspect or edit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.options import LLM_OPTION, NO_CACHE_OPTION

if TYPE_CHECKING:
    from optmodel.llm.formulator import Attempt, FormulationResult
    from optmodel.solvers.base import SolveOptions


def run_formulator(
    text: str,
    problem_id: str,
    llm: str | None,
    solver: str,
    options: SolveOptions,
    attempts: int,
    samples: int,
    *,
    no_cache: bool = False,
) -> tuple[FormulationResult, str]:
    """Formulate with a progress display; returns the outcome and a label naming the LLM used."""
    from optmodel.cli.output import err_console
    from optmodel.llm.formulator import Formulator, FormulatorConfig
    from optmodel.pipeline import resolve_llm

    provider = resolve_llm(llm, cache=False if no_cache else None)
    label = f"{provider.name}:{provider.model}"
    if provider.name == "recorded":
        label = f"recorded:{getattr(provider, 'path', '?')} (replayed responses, not a live model)"
    config = FormulatorConfig(
        max_attempts=attempts, samples=samples, solver=solver, solve_options=options
    )
    with err_console.status(f"formulating with {label} ...") as status:

        def progress(message: str, round_number: int, pending: int) -> None:
            status.update(f"formulating with {label}: {message} ({pending} request(s))")

        outcome = Formulator(provider, config, on_progress=progress).formulate(text, problem_id)
    return outcome, label


def attempt_line(attempt: Attempt) -> str:
    """How one failed attempt reads in the output: an LLM failure is not a model to repair."""
    first = attempt.feedback.strip().splitlines()[0] if attempt.feedback.strip() else ""
    if attempt.stage == "llm-error":
        return f"attempt {attempt.number}: the LLM request failed: {first}"
    if attempt.stage == "missing-data":
        return f"attempt {attempt.number}: the model says the text lacks: {'; '.join(attempt.missing_data)}"
    if attempt.stage == "extract":
        reply = " ".join(attempt.response.split())
        shown = reply[:120] + ("..." if len(reply) > 120 else "")
        return f"attempt {attempt.number}: no model in the reply ({first}); the reply starts: {shown!r} -> repair"
    return f"attempt {attempt.number}: {attempt.stage} -> repair ({first})"


def missing_data_note(outcome: FormulationResult) -> str:
    """What the text lacks, said so that nobody takes the answer (or its absence) for a plain one."""
    items = "".join(f"\n  - {item}" for item in outcome.missing_data)
    if outcome.declined:
        return f"the problem text lacks data needed to formulate it; the model did not invent it:{items}"
    return f"this answer rests on values the text does not give (see the assumptions):{items}"


def formulate(
    problem: Path = typer.Argument(..., help="A .txt file with the problem in plain language."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the Formulation here (.json or .yaml)."
    ),
    llm: str | None = LLM_OPTION,
    attempts: int = typer.Option(4, "--attempts", help="LLM calls (1 = no repair)."),
    samples: int = typer.Option(1, "--samples", help="Self-consistency samples."),
    solver: str = typer.Option(
        "auto", "--solver", help="Solver used to check the model in the repair loop."
    ),
    no_cache: bool = NO_CACHE_OPTION,
) -> None:
    """Formulate PROBLEM with an LLM (checking it with the solver) and write or print the Formulation."""
    from rich.markup import escape

    from optmodel.cli.output import console, err_console
    from optmodel.errors import LLMNotConfiguredError, ModelFileError, PendingBatchError
    from optmodel.solvers.base import SolveOptions

    try:
        text = problem.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"cannot read {problem}: {exc.strerror}") from exc
    try:
        outcome, label = run_formulator(
            text,
            problem.stem,
            llm,
            solver,
            SolveOptions(time_limit=60),
            attempts,
            samples,
            no_cache=no_cache,
        )
    except PendingBatchError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(ExitCode.PENDING) from exc
    except LLMNotConfiguredError as exc:
        err_console.print(str(exc), markup=False)  # the message shows a "[llm]" table header
        raise typer.Exit(ExitCode.NOT_CONFIGURED) from exc
    if outcome.declined:
        err_console.print(f"{label}: {missing_data_note(outcome)}", markup=False)
        raise typer.Exit(ExitCode.MISSING_DATA)
    if outcome.formulation is None:
        for attempt in outcome.attempts:
            err_console.print(attempt_line(attempt), markup=False)
        if outcome.llm_failed:
            err_console.print(f"[red]the LLM failed[/red] {escape(f'({label}): {outcome.reason}')}")
            raise typer.Exit(ExitCode.LLM_FAILED)
        err_console.print(
            f"[red]no usable formulation[/red] {escape(f'({label}): {outcome.reason}')}"
        )
        raise typer.Exit(ExitCode.INVALID_MODEL)
    if out is not None:
        outcome.formulation.save(out)
        err_console.print(f"wrote {out} ({outcome.reason}; {outcome.calls_text()})")
    else:
        console.print(outcome.formulation.to_json(), markup=False)
    if outcome.ok and outcome.missing_data:
        err_console.print(f"{label}: {missing_data_note(outcome)}", markup=False)
        raise typer.Exit(ExitCode.MISSING_DATA)
    raise typer.Exit(ExitCode.OK if outcome.ok else ExitCode.INVALID_MODEL)
