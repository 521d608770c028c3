"""The one composer: problem text or model -> Formulation -> compiled -> solved -> answer in the problem's terms."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from optmodel.errors import FormulationError, ModelFileError, OptmodelError, SolverError
from optmodel.model_solver import ModelRun, Stage, run_formulation
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.load import load_formulation
from optmodel.solvers.base import Sensitivity, SolveOptions, SolveResult, lookup, named_entry

if TYPE_CHECKING:
    import pandas as pd
    import pyomo.environ as pyo

    from optmodel.llm.formulator import Attempt, FormulationResult, FormulatorConfig, InsightSource
    from optmodel.llm.providers.base import LLMProvider

MODEL_SUFFIXES = (".json", ".yaml", ".yml")
MATH_PROGRAM_SUFFIXES = (".lp", ".mps")


@dataclass(frozen=True)
class Answer:
    """A solved problem: the model that was solved, the solver's result, and how the model was reached.

    Values, duals, slacks and reduced costs are read by name, one entry (``value``, ``dual``...) or all of
    a name as pandas (``values``, ``duals``...): a Series indexed by set members, a DataFrame for two
    dimensions. ``to_pandas()`` gives every variable (or constraint) in one long DataFrame.

    >>> import optmodel
    >>> answer = optmodel.solve({
    ...     "sets": {"P": ["chairs", "tables"]},
    ...     "variables": {"make": {"index": ["P"], "ub": 10}},
    ...     "objective": {"sense": "maximize", "expression": "3*make['chairs'] + 2*make['tables']"},
    ...     "constraints": {"wood": {"expression": "sum(make[p] for p in P) <= 15"}},
    ... })
    >>> answer.value("make", "chairs"), answer.values("make").to_dict()
    (10.0, {'chairs': 10.0, 'tables': 5.0})
    >>> answer.dual("wood"), answer.reduced_cost("make", "chairs")
    (2.0, 1.0)
    """

    result: SolveResult
    formulation: Formulation | None = None
    attempts: tuple[Attempt, ...] = ()
    source: str = "formulation"
    """'formulation' (given by hand), 'llm' (formulated from text), 'file' (LP/MPS) or 'pyomo'."""
    formulation_result: FormulationResult | None = field(default=None, repr=False)

    @property
    def objective(self) -> float | None:
        return self.result.objective

    @property
    def status(self) -> str:
        return self.result.status.value

    @property
    def sensitivity(self) -> Sensitivity:
        """Duals, slacks, reduced costs and ranges; raises :class:`SolverError` when the solve has none."""
        if self.result.sensitivity is None:
            raise SolverError(
                "no duals for this solve: they come with LPs solved to optimality by HiGHS "
                f"(this one: {self.result.extra.get('problem_class', 'unknown class')}, "
                f"solver {self.result.solver}, status {self.status})"
            )
        return self.result.sensitivity

    @property
    def assumptions(self) -> tuple[str, ...]:
        """The readings of the problem text the solved model states it made."""
        return tuple(self.formulation.assumptions) if self.formulation else ()

    @property
    def verdict(self) -> str:
        """The LLM's verification verdict on the solved model (ok, wrong, unreadable; '' if none)."""
        return self.formulation_result.verdict if self.formulation_result else ""

    def value(self, name: str, key: Hashable | None = None) -> float:
        """Value of variable ``name``; pass ``key`` (a member, or a tuple of members) when it is indexed."""
        return self.result.value(name, key)

    def values(self, name: str) -> float | pd.Series | pd.DataFrame:
        """All values of variable ``name``: a Series by member, a DataFrame for 2-D, a float for a scalar."""
        return self._pandas(self.result.solution, name, "variable")

    def dual(self, name: str, key: Hashable | None = None) -> float:
        """Shadow price of constraint ``name``: objective change per unit increase of its bound."""
        return float(lookup(self.sensitivity.duals, name, key, "constraint"))

    def duals(self, name: str) -> float | pd.Series | pd.DataFrame:
        """All duals of constraint ``name``, shaped like :meth:`values`."""
        return self._pandas(self.sensitivity.duals, name, "constraint")

    def slack(self, name: str, key: Hashable | None = None) -> float:
        """Distance of constraint ``name``'s activity from its nearest bound (0 when binding)."""
        return float(lookup(self.sensitivity.slacks, name, key, "constraint"))

    def slacks(self, name: str) -> float | pd.Series | pd.DataFrame:
        """All slacks of constraint ``name``, shaped like :meth:`values`."""
        return self._pandas(self.sensitivity.slacks, name, "constraint")

    def reduced_cost(self, name: str, key: Hashable | None = None) -> float:
        """Reduced cost of variable ``name``: objective change per unit increase from its bound."""
        return float(lookup(self.sensitivity.reduced_costs, name, key, "variable"))

    def reduced_costs(self, name: str) -> float | pd.Series | pd.DataFrame:
        """All reduced costs of variable ``name``, shaped like :meth:`values`."""
        return self._pandas(self.sensitivity.reduced_costs, name, "variable")

    def to_pandas(self, what: Literal["variables", "constraints"] = "variables") -> pd.DataFrame:
        """Every variable (columns ``variable, index, value`` and, for LPs, ``reduced_cost``,
        ``cost_range_low/high``), or with ``"constraints"`` every constraint (``constraint, index, dual,
        slack, rhs_range_low/high``; LPs only). ``index`` is the member or tuple, None for scalars."""
        from optmodel.frames import long_frame

        sens = self.result.sensitivity
        if what == "constraints":
            sens = self.sensitivity
            return long_frame(
                {
                    "dual": sens.duals,
                    "slack": sens.slacks,
                    "rhs_range": sens.rhs_ranges,
                },
                "constraint",
            )
        columns: dict[str, Mapping[str, Any]] = {"value": self.result.solution}
        if sens is not None:
            columns.update(reduced_cost=sens.reduced_costs, cost_range=sens.cost_ranges)
        return long_frame(columns, "variable")

    def _pandas(
        self, values: Mapping[str, Any], name: str, kind: str
    ) -> float | pd.Series | pd.DataFrame:
        from optmodel.frames import as_pandas

        entry = named_entry(values, name, kind)
        return as_pandas(entry, name, self._index_names(name, kind))

    def _index_names(self, name: str, kind: str) -> list[str] | None:
        if self.formulation is None or kind != "variable" or name not in self.formulation.variables:
            return None
        index = self.formulation.variables[name].index
        return list(index) if isinstance(index, list) else None


def _options(
    options: SolveOptions | None, time_limit: float | None, threads: int | None
) -> SolveOptions:
    if options is not None:
        return options
    return SolveOptions(time_limit=time_limit, threads=threads)


def solve_formulation(
    formulation: Formulation, solver: str = "auto", options: SolveOptions | None = None
) -> Answer:
    """Validate, compile, solve and check a Formulation; invalid models raise FormulationError."""
    run = run_formulation(formulation, solver=solver, options=options)
    return Answer(_result_or_raise(run), formulation)


def _result_or_raise(run: ModelRun) -> SolveResult:
    if run.stage is Stage.VALIDATE:
        raise FormulationError(list(run.issues))
    if run.result is None:
        raise OptmodelError(f"{run.stage.value} failed: {run.error}")
    return run.result


def solve_file(
    path: str | Path, solver: str = "auto", options: SolveOptions | None = None
) -> Answer:
    """Solve an LP or MPS file directly (no Formulation; values keyed by column names)."""
    from optmodel.solvers.registry import solve_model
    from optmodel.standard_form.io import read_model_file

    if solver == "alns":
        # The meta-solver reads the file straight into highspy; its time budget includes the reading.
        from optmodel.solvers.alns.solve import solve_mps
        from optmodel.standard_form.io import check_file

        check_file(Path(path))
        return Answer(solve_mps(Path(path), options), None, source="file")
    model, symbols = read_model_file(Path(path))
    result = solve_model(model, solver=solver, options=options or SolveOptions(), symbols=symbols)
    return Answer(result, None, source="file")


def formulate(
    text: str,
    llm: str | LLMProvider | None = None,
    *,
    config: FormulatorConfig | None = None,
    insights: InsightSource | None = None,
    problem_id: str = "problem",
) -> FormulationResult:
    """Turn a plain-language problem into a solved Formulation with the given LLM (spec string or provider).

    The result holds the Formulation, its SolveResult and every attempt (prompt, response, issues, timing).
    """
    from optmodel.llm.formulator import Formulator

    formulator = Formulator(resolve_llm(llm), config, insights=insights)
    return formulator.formulate(text, problem_id)


def resolve_llm(llm: str | LLMProvider | None, *, cache: bool | None = None) -> LLMProvider:
    """A provider from a spec string (``openai:gpt-4o``, ``hf:...``, ``batch:DIR``...), env or config.

    ``cache=False`` bypasses the response cache (``None``: the config decides, on by default).
    """
    if llm is not None and not isinstance(llm, str):
        return llm
    from optmodel.llm.config import make_provider

    return make_provider(llm, cache=cache)


def solve_pyomo(
    model: pyo.Block, solver: str = "auto", options: SolveOptions | None = None
) -> Answer:
    """Solve a Pyomo model built by hand and load the solution back into it (``pyo.value(m.x)``).

    Values come back in Pyomo's names (``answer.value("x", 1)``); an import ``Suffix`` named ``dual`` or
    ``rc`` on the model receives an LP's duals and reduced costs.
    """
    from optmodel.solvers.registry import solve_model

    result = solve_model(model, solver=solver, options=options or SolveOptions())
    return Answer(result, None, source="pyomo")


def _is_pyomo_model(problem: object) -> bool:
    # Checked without importing Pyomo: a model is a Pyomo Block (ConcreteModel or a user's subclass).
    return hasattr(problem, "component_data_objects") and any(
        cls.__module__.startswith("pyomo.") for cls in type(problem).__mro__
    )


def solve(
    problem: str | Path | Formulation | Mapping[str, Any] | pyo.Block,
    *,
    llm: str | LLMProvider | None = None,
    solver: str = "auto",
    time_limit: float | None = None,
    threads: int | None = None,
    options: SolveOptions | None = None,
    config: FormulatorConfig | None = None,
) -> Answer:
    """Solve a Formulation, a model file (.json/.yaml/.lp/.mps), a Pyomo model or a plain-language problem.

    Plain-language problems (a ``.txt`` file or text) are formulated with ``llm`` first. A Pyomo model gets
    its solution loaded back into it. ``solver`` is ``auto``, an optmodel backend (``highs``, ``scip``,
    ``cpsat``, ``alns``...) or ``pyomo:NAME`` for any solver Pyomo's ``SolverFactory`` knows.

    >>> import optmodel
    >>> answer = optmodel.solve({
    ...     "variables": {"x": {"ub": 4}, "y": {"ub": 3}},
    ...     "objective": {"sense": "maximize", "expression": "3*x + 2*y"},
    ...     "constraints": {"budget": {"expression": "x + y <= 5"}},
    ... })
    >>> answer.objective
    14.0
    """
    opts = _options(options, time_limit, threads)
    if _is_pyomo_model(problem):
        return solve_pyomo(problem, solver, opts)
    if isinstance(problem, Formulation):
        return solve_formulation(problem, solver, opts)
    if isinstance(problem, Mapping):
        return solve_formulation(load_formulation(dict(problem)), solver, opts)
    path = _as_path(problem)
    if path is not None:
        suffix = path.suffix.lower()
        if suffix in MATH_PROGRAM_SUFFIXES:
            return solve_file(path, solver, opts)
        if suffix in MODEL_SUFFIXES:
            return solve_formulation(load_formulation(path), solver, opts)
        text = path.read_text(encoding="utf-8")
    else:
        text = str(problem)
        if text.lstrip().startswith("{"):
            return solve_formulation(load_formulation(text), solver, opts)
    return _solve_text(text, llm, solver, opts, config)


def _as_path(problem: str | Path) -> Path | None:
    if isinstance(problem, Path):
        if not problem.exists():
            raise ModelFileError(f"no such file: {problem}")
        return problem
    if "\n" in problem or len(problem) > 512:
        return None
    candidate = Path(problem)
    suffix = candidate.suffix.lower()
    if suffix in (*MODEL_SUFFIXES, *MATH_PROGRAM_SUFFIXES, ".txt", ".md"):
        if not candidate.exists():
            raise ModelFileError(f"no such file: {candidate}")
        return candidate
    return None


def _solve_text(
    text: str,
    llm: str | LLMProvider | None,
    solver: str,
    options: SolveOptions,
    config: FormulatorConfig | None,
) -> Answer:
    from dataclasses import replace

    from optmodel.llm.formulator import FormulatorConfig

    config = replace(config or FormulatorConfig(), solver=solver, solve_options=options)
    outcome = formulate(text, llm, config=config)
    if outcome.result is None:
        issues = [i for a in outcome.attempts for i in a.issues]
        raise FormulationError(issues, f"no usable formulation was produced: {outcome.reason}")
    return Answer(outcome.result, outcome.formulation, outcome.attempts, "llm", outcome)
