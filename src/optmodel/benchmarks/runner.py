"""Running formulation methods over benchmark datasets: batched LLM calls, pooled solving, resumable results.

Problems go to the LLM in chunks (all requests of a chunk's round in one batch); candidate models are solved on
an executor (a process pool by default). Each finished problem is appended to ``results.jsonl`` at once, so a
run killed at any moment resumes with ``resume=True`` without losing or repeating a problem.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from optmodel.atomic_files import write_atomically
from optmodel.benchmarks.datasets.loader import load_dataset
from optmodel.benchmarks.datasets.problem import Problem
from optmodel.benchmarks.executors import make_executor
from optmodel.benchmarks.methods import Method, parse_method
from optmodel.benchmarks.records import FailureCategory, ResultRecord
from optmodel.benchmarks.rundir import RunDirectory, iter_done
from optmodel.benchmarks.scoring import Prediction, PredictionStatus
from optmodel.errors import OptmodelError, PendingBatchError
from optmodel.experience_library import Problem as LibraryProblem
from optmodel.llm.formulator import FormulationResult, Formulator, FormulatorConfig, InsightSource
from optmodel.llm.formulator import Problem as FormulationProblem
from optmodel.llm.providers.base import LLMProvider
from optmodel.solvers.base import SolutionStatus, SolveOptions, TerminationCondition

#: Attempt stage -> failure category, for problems where no model solved.
_STAGE_FAILURE = {
    "extract": FailureCategory.NO_MODEL,
    "validate": FailureCategory.INVALID_MODEL,
    "compile": FailureCategory.COMPILE_ERROR,
    "solve": FailureCategory.SOLVER_ERROR,
    "check": FailureCategory.SOLVER_ERROR,
    "llm-error": FailureCategory.LLM_ERROR,
}


@dataclass(frozen=True)
class BenchConfig:
    datasets: tuple[str, ...]
    llm: str
    methods: tuple[str, ...] = ("repair",)
    out: Path = Path("runs/bench")
    limit: int | None = None
    ids: tuple[str, ...] = ()
    workers: int = 2
    executor: str = "process"
    data_dir: Path | None = None
    seed: int = 0
    chunk_size: int = 16
    max_attempts: int = 4
    max_tokens: int = 4096
    solve_time_limit: float = 30.0
    library: str | None = None  # a library file, or a shipped library's name

    def to_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


@dataclass
class RunProgress:
    """Live counts for a progress display."""

    total: int = 0
    done: int = 0
    correct: int = 0
    scored: int = 0
    messages: list[str] = field(default_factory=list)


def load_problems(config: BenchConfig) -> list[Problem]:
    problems: list[Problem] = []
    for name in config.datasets:
        items = load_dataset(name, config.data_dir)
        if config.ids:
            wanted = set(config.ids)
            items = [p for p in items if p.id in wanted]
        if config.limit is not None:
            items = items[: config.limit]
        problems.extend(items)
    return problems


def run_benchmark(
    config: BenchConfig,
    provider: LLMProvider,
    *,
    resume: bool = False,
    insights_for: Callable[[Method], InsightSource | None] | None = None,
    executor: Executor | None = None,
    on_record: Callable[[ResultRecord, RunProgress], None] | None = None,
) -> RunDirectory:
    """Run every method on every problem, appending results; returns the run directory."""
    run = RunDirectory(config.out)
    if run.exists() and not resume:
        raise OptmodelError(
            f"{config.out} already holds a run; pass --resume to continue it or choose --out"
        )
    if not run.exists():
        run.create(
            {"config": config.to_dict(), "llm": {"name": provider.name, "model": provider.model}}
        )
    problems = load_problems(config)
    done = set(iter_done(run.records()))
    methods = [parse_method(m, _base_config(config)) for m in config.methods]
    progress = RunProgress(total=len(problems) * len(methods))
    progress.done = sum(1 for p in problems for m in methods if (p.dataset, m.name, p.id) in done)
    own_executor = executor is None
    pool = executor or make_executor(config.executor, config.workers)
    waiting: PendingBatchError | None = None
    try:
        for method in methods:
            todo = [p for p in problems if (p.dataset, method.name, p.id) not in done]
            insights = insights_for(method) if insights_for and method.uses_library else None
            formulator = Formulator(provider, method.config, insights=insights, executor=pool)
            try:
                for chunk in _chunks(todo, _chunk_size(config, provider)):
                    _run_chunk(run, formulator, method, chunk, progress, on_record, insights)
            except PendingBatchError as pending:
                # The next methods' requests join this round: a round takes as long as the longest
                # method needs, not the sum of all methods. The last error names every unrun file.
                waiting = pending
    finally:
        if own_executor:
            pool.shutdown(wait=True, cancel_futures=True)
    if waiting is not None:
        raise waiting
    return run


def _base_config(config: BenchConfig) -> FormulatorConfig:
    return FormulatorConfig(
        max_attempts=config.max_attempts,
        max_tokens=config.max_tokens,
        solve_options=SolveOptions(time_limit=config.solve_time_limit, threads=1),
        seed=config.seed,
    )


def _chunk_size(config: BenchConfig, provider: LLMProvider) -> int:
    # Offline batch files want every request of a round in one file.
    return 1_000_000 if provider.name == "batch" else max(1, config.chunk_size)


def _chunks(items: Sequence[Problem], size: int) -> list[Sequence[Problem]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run_chunk(
    run: RunDirectory,
    formulator: Formulator,
    method: Method,
    chunk: Sequence[Problem],
    progress: RunProgress,
    on_record: Callable[[ResultRecord, RunProgress], None] | None,
    insights: InsightSource | None = None,
) -> None:
    start = time.perf_counter()
    inputs = [
        FormulationProblem(p.id, p.question, tuple(p.raw.get("same_problem_in") or ()))
        for p in chunk
    ]
    outcomes = formulator.formulate_many(inputs)
    elapsed = (time.perf_counter() - start) / max(1, len(chunk))
    for problem, outcome in zip(chunk, outcomes, strict=True):
        record = make_record(problem, method, outcome, total_s=elapsed)
        _write_attempts(run, problem, method, outcome)
        run.append(json.loads(record.to_json_line()))
        progress.done += 1
        verdict = record.correct.get("strict")
        if verdict is not None and isinstance(insights, OutcomeRecorder):
            insights.record_outcome(_library_problem(problem), bool(verdict))
        if verdict is not None:
            progress.scored += 1
            progress.correct += int(verdict)
        if on_record:
            on_record(record, progress)


@runtime_checkable
class OutcomeRecorder(Protocol):
    """An insight source that wants to know how the problems it served were scored."""

    def record_outcome(self, problem: LibraryProblem, correct: bool) -> None: ...


def _library_problem(problem: Problem) -> LibraryProblem:
    status = "infeasible" if problem.answer_status == "infeasible" else "optimal"
    if problem.answer_status == "unknown":
        status = "unknown"
    return LibraryProblem(problem.id, problem.question, problem.answer, status)  # type: ignore[arg-type]


def prediction_of(outcome: FormulationResult) -> tuple[Prediction, FailureCategory | None]:
    """What a formulation outcome claims about the problem, and why it failed when it has no answer."""
    result = outcome.result
    last_stage = outcome.attempts[-1].stage if outcome.attempts else "llm-error"
    if outcome.declined:
        return Prediction(PredictionStatus.ERROR), FailureCategory.MISSING_DATA
    if result is None:
        return Prediction(PredictionStatus.ERROR), _STAGE_FAILURE.get(
            last_stage, FailureCategory.NO_MODEL
        )
    if result.status is SolutionStatus.OPTIMAL:
        return Prediction(PredictionStatus.OPTIMAL, result.answer_value), None
    if result.status is SolutionStatus.FEASIBLE:
        return Prediction(PredictionStatus.FEASIBLE, result.answer_value), None
    if (
        result.termination is TerminationCondition.INFEASIBLE
        or result.status is SolutionStatus.INFEASIBLE
    ):
        return Prediction(PredictionStatus.INFEASIBLE), None
    if (
        result.termination is TerminationCondition.UNBOUNDED
        or result.status is SolutionStatus.UNBOUNDED
    ):
        return Prediction(PredictionStatus.UNBOUNDED), None
    if result.termination is TerminationCondition.INFEASIBLE_OR_UNBOUNDED:
        return Prediction(PredictionStatus.NO_SOLUTION), None
    if result.termination is TerminationCondition.TIME_LIMIT:
        return Prediction(PredictionStatus.ERROR), FailureCategory.TIMEOUT
    return Prediction(PredictionStatus.ERROR), FailureCategory.SOLVER_ERROR


def make_record(
    problem: Problem, method: Method, outcome: FormulationResult, total_s: float
) -> ResultRecord:
    prediction, failure = prediction_of(outcome)
    return ResultRecord.from_prediction(
        problem,
        method.name,
        prediction,
        failure=failure,
        sample_count=method.config.samples,
        valid_model=outcome.formulation is not None,
        llm_calls=outcome.llm_calls,
        tokens_in=outcome.prompt_tokens,
        tokens_out=outcome.completion_tokens,
        attempts=len(outcome.attempts),
        llm_s=outcome.llm_s,
        compile_s=outcome.compile_s,
        solve_s=outcome.solve_s,
        total_s=max(total_s, outcome.llm_s + outcome.compile_s + outcome.solve_s),
        error=None if outcome.ok else outcome.reason,
        extra={
            "insight_ids": list(outcome.insight_ids),
            "chosen_sample": outcome.chosen_sample,
            "verdict": outcome.verdict,
            "agreement": list(outcome.agreement),
            "assumptions": list(outcome.assumptions),
            "missing_data": list(outcome.missing_data),
        },
    )


def _write_attempts(
    run: RunDirectory, problem: Problem, method: Method, outcome: FormulationResult
) -> None:
    path = run.attempts_path(problem.dataset, method.name, problem.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "problem_id": problem.id,
        "method": method.name,
        "reason": outcome.reason,
        "formulation": outcome.formulation.to_dict() if outcome.formulation else None,
        "attempts": [
            {
                "sample": a.sample,
                "number": a.number,
                "stage": a.stage,
                "feedback": a.feedback,
                "issues": [i.to_dict() for i in a.issues],
                "objective": a.objective,
                "status": a.status,
                "verdict": a.verdict,
                "discrepancies": list(a.discrepancies),
                "tokens": [a.prompt_tokens, a.completion_tokens],
                "llm_s": a.llm_s,
                "cached": a.cached,
                "prompt": [{"role": m.role, "content": m.content} for m in a.messages[-2:]],
                "response": a.response,
            }
            for a in outcome.attempts
        ],
    }
    write_atomically(path, json.dumps(payload, indent=1, default=str))
