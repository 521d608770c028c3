"""The ``optmodel`` command as a user runs it: output, files written, and the documented exit codes.

Most tests drive the typer app in-process with CliRunner; three run real subprocesses to check that the
installed entry point gives the same exit codes and never shows a traceback. Everything is real (files,
HiGHS, the validator); the only stand-in is the LLM, whose replies come from the demo's recording.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from optmodel.cli.exit_codes import ExitCode
from optmodel.cli.main import app
from optmodel.modeling.language.load import load_formulation
from optmodel.modeling.render import render_latex
from optmodel.solvers.base import SolutionStatus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RECORDED = f"recorded:{EXAMPLES / 'nl' / 'responses.jsonl'}"
MIPLIB = Path(__file__).resolve().parents[3] / "shared" / "miplib"
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
#: Keys of SolveResult.to_dict(): the stable part of ``--output json``.
RESULT_KEYS = {
    "termination", "status", "objective", "reported_objective", "best_bound", "gap", "wall_time", "solver",
    "solver_version", "max_violation", "conflicts", "unbounded_variables", "message", "values",
}  # fmt: skip
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    """Output with colour codes dropped and whitespace collapsed: rich wraps lines at the console width."""
    return " ".join(_ANSI.sub("", text).split())


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def json_output(result: Result) -> Any:
    return json.loads(result.stdout)


INFEASIBLE = {
    "variables": {"x": {"ub": 10}, "y": {}},
    "objective": {"sense": "minimize", "expression": "x + y"},
    "constraints": {
        "at_least_30": {"expression": "x + y >= 30"},
        "y_at_most_5": {"expression": "y <= 5"},
        "harmless": {"expression": "x - y <= 100"},
    },
}


# --- solving models ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "objective", "nonzero"),
    [
        ("production_mix.json", "36", ["doors", "windows"]),
        (
            "transportation.yaml",
            "153.675",
            ["seattle,chicago", "san_diego,new_york", "san_diego,topeka"],
        ),
    ],
)
def test_solve_prints_status_objective_nonzero_values_and_violation(
    name: str, objective: str, nonzero: list[str]
) -> None:
    result = invoke("solve", EXAMPLES / name)

    assert result.exit_code == ExitCode.OK, result.output
    out = flat(result.stdout)
    assert "status optimal" in out
    assert f"objective {objective}" in out
    assert "max constraint violation 0" in out
    assert "non-zero values" in out
    for index in nonzero:
        assert index in out


def test_solve_json_output_has_the_stable_shape() -> None:
    result = invoke("solve", EXAMPLES / "transportation.yaml", "--output", "json")

    assert result.exit_code == ExitCode.OK, result.output
    payload = json_output(result)
    assert RESULT_KEYS | {"model", "source"} <= set(payload)
    assert payload["source"] == "formulation"
    assert payload["model"].endswith("transportation.yaml")
    assert payload["status"] == "optimal" and payload["objective"] == pytest.approx(153.675)
    shipped = {tuple(v["index"]): v["value"] for v in payload["values"] if v["name"] == "ship"}
    assert shipped[("seattle", "chicago")] == pytest.approx(300)


def test_solve_duals_in_the_table_and_in_json() -> None:
    table = invoke("solve", EXAMPLES / "transportation.yaml", "--duals", "--no-show-model")
    payload = json_output(invoke("solve", EXAMPLES / "transportation.yaml", "--output", "json"))

    assert table.exit_code == ExitCode.OK, table.output
    out = flat(re.sub("[┃│━╇]", " ", table.stdout))
    assert "constraint index dual slack rhs range" in out
    assert "meet_demand new_york 0.225 0" in out
    assert "ship seattle,topeka 0.036 [0.126, inf]" in out
    duals = {(c["name"], *c["index"]): c["dual"] for c in payload["constraints"]}
    assert duals[("meet_demand", "new_york")] == 0.225
    slack = {(c["name"], *c["index"]): c["slack"] for c in payload["constraints"]}
    assert slack[("within_supply", "seattle")] == 50
    costs = {tuple(v["index"]): v["reduced_cost"] for v in payload["values"]}
    assert costs[("seattle", "topeka")] == 0.036


def test_solve_json_numbers_are_free_of_float_noise(tmp_path: Path) -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floating point; HiGHS returns exactly that.
    model = write_json(
        tmp_path / "noise.json",
        {
            "variables": {"x": {"ub": 0.1}, "y": {"ub": 0.2}, "n": {"type": "integer", "ub": 3}},
            "objective": {"sense": "maximize", "expression": "x + y + n"},
        },
    )
    payload = json_output(invoke("solve", model, "--output", "json"))

    assert payload["objective"] == 3.3
    assert {v["name"]: v["value"] for v in payload["values"]} == {"x": 0.1, "y": 0.2, "n": 3}
    assert re.search(r'"value": 3\s', invoke("solve", model, "--output", "json").stdout)


def test_solve_shows_the_time_of_each_stage_and_how_the_model_was_built() -> None:
    payload = json_output(invoke("solve", EXAMPLES / "transportation.yaml", "--output", "json"))
    assert list(payload["stages_s"]) == ["read", "validate", "build", "solve", "check"]
    assert all(seconds >= 0 for seconds in payload["stages_s"].values())
    assert payload["build_path"] == "matrix"  # a linear model takes the fast path
    nonlinear = json_output(invoke("solve", EXAMPLES / "can_design.yaml", "--output", "json"))
    assert nonlinear["build_path"] == "pyomo"
    out = flat(invoke("solve", EXAMPLES / "transportation.yaml").stdout)
    assert "stages read" in out and "(matrix), solve" in out and "check" in out


def test_lp_and_mps_written_from_a_formulation_solve_to_the_same_objective(tmp_path: Path) -> None:
    lp, mps = tmp_path / "knapsack.lp", tmp_path / "knapsack.mps"
    original = invoke(
        "solve",
        EXAMPLES / "knapsack.json",
        "--write-lp",
        lp,
        "--write-mps",
        mps,
        "--output",
        "json",
    )
    assert original.exit_code == ExitCode.OK, original.output
    assert json_output(original)["objective"] == pytest.approx(89)

    for path in (lp, mps):
        result = invoke("solve", path, "--output", "json")
        assert result.exit_code == ExitCode.OK, result.output
        payload = json_output(result)
        assert payload["source"] == "file"
        # 89 is the integer optimum: the files keep the variables binary (the LP relaxation gives more).
        assert payload["objective"] == pytest.approx(89)


def test_infeasible_model_exits_4_and_names_the_conflicting_constraints(tmp_path: Path) -> None:
    result = invoke("solve", write_json(tmp_path / "infeasible.json", INFEASIBLE))

    assert result.exit_code == ExitCode.INFEASIBLE, result.output
    out = flat(result.stdout)
    assert "status infeasible" in out
    conflicts = out.split("conflicting constraints", 1)[1].split("note", 1)[0]
    assert "at_least_30" in conflicts and "y_at_most_5" in conflicts
    assert "harmless" not in conflicts


def test_infeasible_indexed_constraints_are_named_with_their_index(tmp_path: Path) -> None:
    document = {
        "sets": {"P": ["a", "b"]},
        "variables": {"x": {"index": ["P"]}},
        "objective": {"sense": "minimize", "expression": "sum(x[p] for p in P)"},
        "constraints": {
            "cap": {"forall": "p in P", "expression": "x[p] <= 1"},
            "need": {"expression": "x['a'] >= 2"},
        },
    }
    result = invoke("solve", write_json(tmp_path / "indexed.json", document))

    assert result.exit_code == ExitCode.INFEASIBLE, result.output
    payload = json_output(invoke("solve", tmp_path / "indexed.json", "--output", "json"))
    assert sorted(payload["conflicts"]) == ["cap[a]", "need"]
    assert "cap[a]" in flat(result.stdout)


def test_unbounded_model_exits_5_and_names_the_runaway_variable(tmp_path: Path) -> None:
    document = {
        "variables": {"x": {}, "y": {"ub": 3}},
        "objective": {"sense": "maximize", "expression": "2*x + y"},
        "constraints": {"link": {"expression": "y - x <= 1"}},
    }
    result = invoke("solve", write_json(tmp_path / "unbounded.json", document))

    assert result.exit_code == ExitCode.UNBOUNDED, result.output
    out = flat(result.stdout)
    assert "status unbounded" in out and "unbounded variables x" in out


@pytest.mark.skipif(not (MIPLIB / "pk1.mps").is_file(), reason="needs ../shared/miplib")
def test_time_limited_miplib_instance_stops_cleanly() -> None:
    result = invoke("solve", MIPLIB / "pk1.mps", "--time-limit", "1", "--output", "json")

    assert result.exit_code in (ExitCode.OK, ExitCode.NO_SOLUTION), result.output
    payload = json_output(result)
    if result.exit_code == ExitCode.OK:
        assert payload["status"] in (SolutionStatus.OPTIMAL.value, SolutionStatus.FEASIBLE.value)
        assert payload["objective"] is not None and payload["values"]
    else:
        assert payload["objective"] is None


# --- bad input -----------------------------------------------------------------------------------------
def test_malformed_json_says_where_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(
        '{"variables": {"x": {}},\n "objective": {"sense": "min", "expression": "x"\n', "utf-8"
    )
    result = invoke("solve", path)

    assert result.exit_code == ExitCode.ERROR
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = flat(result.stderr)
    # Long temporary paths may be folded by the console, so match the file name.
    assert "broken.json" in err and "JSON" in err and "line 3" in err


def test_malformed_yaml_says_where_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("variables:\n  x: {ub: 3\nobjective: [\n", "utf-8")
    result = invoke("solve", path)

    assert result.exit_code == ExitCode.ERROR
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = flat(result.stderr)
    assert "broken.yaml" in err and "YAML" in err and "line 2" in err


def test_solve_lists_every_unknown_field_and_exits_3(tmp_path: Path) -> None:
    document = {
        "variables": {"x": {"upper": 3, "type": "integr"}},
        "objectiv": {"sense": "maximize", "expression": "x"},
        "constraints": {"c": {"expr": "x <= 2"}},
    }
    result = invoke("solve", write_json(tmp_path / "fields.json", document))

    assert result.exit_code == ExitCode.INVALID_MODEL, result.output
    err = flat(result.stderr)
    for path in (
        "variables.x.upper",
        "variables.x.type",
        "objectiv",
        "objective",
        "constraints.c.expr",
    ):
        assert f" {path}:" in err, path


def test_solve_lists_every_invalid_expression_and_exits_3(tmp_path: Path) -> None:
    document = {
        "variables": {"x": {}},
        "objective": {"sense": "maximize", "expression": "x"},
        "constraints": {
            "strict": {"expression": "x < 3"},
            "typo": {"expression": "x + zz <= 3"},
            "attribute": {"expression": "x.value >= 1"},
            "call": {"expression": "print(x) <= 1"},
        },
    }
    result = invoke("solve", write_json(tmp_path / "expressions.json", document))

    assert result.exit_code == ExitCode.INVALID_MODEL, result.output
    err = flat(result.stderr)
    for name in ("strict", "typo", "attribute", "call"):
        assert f"constraints.{name}.expression:" in err, name
    assert "strict-inequality" in err and "unknown name 'zz'" in err


BOTH_KINDS = {
    "variables": {"x": {"type": "integr"}},
    "objective": {"sense": "maximize", "expression": "x"},
    "constraints": {"c": {"expression": "x + zz < 3"}, "d": {"expression": "x.foo >= 1"}},
}
BOTH_KINDS_PATHS = ("variables.x.type", "constraints.c.expression", "constraints.d.expression")


def test_validate_lists_shape_and_expression_problems_together(tmp_path: Path) -> None:
    result = invoke("validate", write_json(tmp_path / "both.json", BOTH_KINDS))

    assert result.exit_code == ExitCode.INVALID_MODEL, result.output
    err = flat(result.stderr)
    for path in BOTH_KINDS_PATHS:
        assert f" {path}:" in err, path
    assert "unknown name 'zz'" in err and "strict-inequality" in err


def test_solve_lists_shape_and_expression_problems_together(tmp_path: Path) -> None:
    result = invoke("solve", write_json(tmp_path / "both.json", BOTH_KINDS))

    assert result.exit_code == ExitCode.INVALID_MODEL, result.output
    err = flat(result.stderr)
    for path in BOTH_KINDS_PATHS:
        assert f" {path}:" in err, path


def test_missing_file_exits_1_with_a_message(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    result = invoke("solve", missing)

    assert result.exit_code == ExitCode.ERROR
    assert isinstance(result.exception, SystemExit)  # handled, not a crash
    assert "no such file" in flat(result.stderr) and "nowhere.json" in flat(result.stderr)


def test_bad_option_value_is_a_usage_error() -> None:
    assert invoke("solve", EXAMPLES / "diet.yaml", "--output", "xml").exit_code == ExitCode.USAGE


# --- validate and show ---------------------------------------------------------------------------------
def test_validate_accepts_a_good_model() -> None:
    result = invoke("validate", EXAMPLES / "diet.yaml")

    assert result.exit_code == ExitCode.OK, result.output
    assert "valid" in result.stdout


def test_validate_json_output_lists_issues_with_codes(tmp_path: Path) -> None:
    result = invoke("validate", write_json(tmp_path / "both.json", BOTH_KINDS), "--output", "json")

    assert result.exit_code == ExitCode.INVALID_MODEL
    issues = json_output(result)
    assert {i["code"] for i in issues} >= {"unknown-name", "strict-inequality", "forbidden-syntax"}
    assert all(i["message"] and i["path"] for i in issues)


def test_show_prints_the_model_as_math() -> None:
    result = invoke("show", EXAMPLES / "transportation.yaml")

    assert result.exit_code == ExitCode.OK, result.output
    out = flat(result.stdout)
    assert "minimize" in out
    for name in ("within_supply", "meet_demand", "ship[p, m]", "PLANTS", "MARKETS"):
        assert name in out, name


def test_show_latex_prints_the_latex_unwrapped() -> None:
    path = EXAMPLES / "transportation.yaml"
    result = invoke("show", path, "--latex")

    assert result.exit_code == ExitCode.OK, result.output
    assert "\\begin{align*}" in result.stdout and "\\sum_" in result.stdout
    # Exactly the LaTeX, whatever the terminal width, so it can be redirected into a .tex file.
    assert result.stdout.strip() == render_latex(load_formulation(path)).strip()


# --- plain-language problems ---------------------------------------------------------------------------
def test_no_llm_configured_exits_8_and_says_how_to_configure_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPTMODEL_LLM", raising=False)
    monkeypatch.delenv("OPTMODEL_CONFIG", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    result = invoke("solve", EXAMPLES / "nl" / "knapsack.txt")

    assert result.exit_code == ExitCode.NOT_CONFIGURED, result.output
    err = flat(result.stderr)
    assert "No LLM is configured" in err
    assert "--llm" in err and "OPTMODEL_LLM" in err
    assert "write the config file" in err  # its path may be folded by the console
    assert '[llm] spec = "openai:' in err  # the table header survives the console's markup


def test_config_variable_naming_a_missing_file_exits_8_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPTMODEL_LLM", raising=False)
    monkeypatch.setenv("OPTMODEL_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HOME", str(tmp_path))
    result = invoke("solve", EXAMPLES / "nl" / "knapsack.txt")

    assert result.exit_code == ExitCode.NOT_CONFIGURED, result.output
    assert "absent.toml" in flat(result.stderr)


def test_solve_text_with_recorded_llm_labels_the_provider() -> None:
    result = invoke("solve", EXAMPLES / "nl" / "production_mix.txt", "--llm", RECORDED)

    assert result.exit_code == ExitCode.OK, result.output
    out = flat(result.stdout)
    assert "(replayed responses, not a live model)" in out
    assert "objective 36" in out and "batches" in out
    # Which problem was solved: the stated reading and the verification verdict.
    assert "Assumptions" in out and "profit is counted in thousands of dollars" in out
    assert "attempt 2: verification: ok" in out
    assert "Verification: the LLM checked the solved plan against the text" in out


def test_solve_text_json_output_reports_the_llm_and_the_repair() -> None:
    result = invoke(
        "solve", EXAMPLES / "nl" / "transportation.txt", "--llm", RECORDED, "--output", "json"
    )

    assert result.exit_code == ExitCode.OK, result.output
    payload = json_output(result)
    assert RESULT_KEYS | {"model", "source"} <= set(payload)
    assert payload["source"] == "llm" and payload["llm"].startswith("recorded:")
    # the first reply was repaired, the repaired model verified
    assert payload["llm_calls"] == 3 and payload["reason"] == "solved"
    assert payload["verdict"] == "ok" and payload["assumptions"] == []
    assert payload["objective"] == pytest.approx(153.675)
    assert payload["formulation"]["variables"]["ship"]["index"] == ["PLANTS", "MARKETS"]


def test_formulate_writes_a_model_that_solve_solves(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    formulated = invoke(
        "formulate", EXAMPLES / "nl" / "production_mix.txt", "-o", out, "--llm", RECORDED
    )
    assert formulated.exit_code == ExitCode.OK, formulated.output
    assert f"wrote {out}" in flat(formulated.stderr)

    result = invoke("solve", out, "--output", "json")
    assert result.exit_code == ExitCode.OK, result.output
    assert json_output(result)["objective"] == pytest.approx(36)


# --- datasets and library ------------------------------------------------------------------------------
@pytest.mark.skipif(not (DATASETS / "nl4opt.jsonl").is_file(), reason="needs ../shared/datasets")
def test_datasets_list_shows_nl4opt_present() -> None:
    result = invoke("datasets", "list", "--data-dir", DATASETS)

    assert result.exit_code == ExitCode.OK, result.output
    rows = [line for line in result.stdout.splitlines() if re.match(r"^\W*nl4opt\s", line)]
    assert rows and re.search(r"\byes\b", rows[0]), result.stdout


def test_datasets_list_fits_a_terminal_and_show_gives_the_full_licence() -> None:
    from optmodel.benchmarks.datasets.registry import get_spec

    listing = invoke("datasets", "list", "--data-dir", DATASETS)
    shown = invoke("datasets", "show", "logior", "--data-dir", DATASETS)

    assert listing.exit_code == ExitCode.OK, listing.output
    assert max(len(line.rstrip()) for line in listing.stdout.splitlines()) <= 80, listing.stdout
    assert "datasets show NAME" in listing.stdout
    licence = get_spec("logior").licence
    assert licence not in flat(listing.stdout)  # shortened in the table...
    assert shown.exit_code == ExitCode.OK, shown.output
    assert " ".join(licence.split()) in flat(shown.stdout)  # ...and whole here


def test_library_search_finds_a_starter_insight(tmp_path: Path) -> None:
    result = invoke(
        "library",
        "search",
        "fixed setup cost if the machine is used",
        "--library",
        tmp_path / "lib.db",
    )

    assert result.exit_code == ExitCode.OK, result.output
    assert "starter-fixed-costs" in result.stdout


# --- the installed command, end to end -----------------------------------------------------------------
def run_command(*args: str | Path, module: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``optmodel ARGS`` (or ``python -m optmodel ARGS``) in a fresh process."""
    script = Path(sys.executable).with_name("optmodel")
    if module:
        command = [sys.executable, "-m", "optmodel"]
    elif script.is_file():
        command = [str(script)]
    else:
        pytest.skip("the optmodel script is not installed next to this Python")
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [*command, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_python_dash_m_shows_the_commands() -> None:
    proc = run_command("--help", module=True)

    assert proc.returncode == 0, proc.stderr
    for command in ("solve", "formulate", "validate", "show", "bench", "datasets", "library"):
        assert command in proc.stdout


def test_installed_command_exit_code_for_an_infeasible_model(tmp_path: Path) -> None:
    proc = run_command("solve", write_json(tmp_path / "infeasible.json", INFEASIBLE))

    assert proc.returncode == ExitCode.INFEASIBLE, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_errors_outside_solve_are_messages_not_tracebacks(tmp_path: Path) -> None:
    proc = run_command("validate", tmp_path / "nowhere.json", module=True)

    assert proc.returncode == ExitCode.ERROR
    assert "Traceback" not in proc.stderr
    assert "cannot read" in proc.stderr and "nowhere.json" in proc.stderr
