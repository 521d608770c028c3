"""Reading Formulations from JSON/YAML text, files or dicts, with every shape problem reported as an Issue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from optmodel.errors import FormulationError, ModelFileError
from optmodel.modeling.language.document_limits import (
    DocumentTooLarge,
    check_nesting,
    load_json,
    load_yaml,
)
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.issues import Issue, IssueCode
from optmodel.modeling.language.python_data import plain_document
from optmodel.modeling.language.table_files import read_table_files

_HINTS = {
    "extra_forbidden": "remove this field; allowed fields are listed in the Formulation format",
    "missing": "add this required field",
    "literal_error": "use one of the allowed values",
}


def _path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union-member tag into the location (e.g. 'str' / 'float'); those are noise here.
    parts = [str(p) for p in loc if p not in ("str", "float", "int", "list[str]", "function-after")]
    return ".".join(parts) or "(document)"


def issues_from_validation_error(error: ValidationError) -> list[Issue]:
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for err in error.errors():
        path = _path(err["loc"])
        if (path, err["type"]) in seen:
            continue
        seen.add((path, err["type"]))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{err['loc'][-1]}'"
        issues.append(Issue(path, IssueCode.SCHEMA, message, _HINTS.get(err["type"], "")))
    return issues


def prepare_document(data: Any, base_dir: Path | None = None) -> tuple[Any, list[Issue]]:
    """pandas/numpy data made plain and ``table`` files read (relative to ``base_dir``; None refuses files)."""
    return read_table_files(plain_document(data), base_dir)


def parse_document(
    data: Any, base_dir: Path | None = None
) -> tuple[Formulation | None, list[Issue]]:
    """Turn a decoded JSON/YAML document into a Formulation, or report every shape problem.

    pandas/numpy values are accepted (:mod:`~optmodel.modeling.language.python_data`); parameter tables in CSV or
    Parquet files are read relative to ``base_dir``, and refused without one (an LLM's document).
    """
    try:
        check_nesting(data)  # before anything walks it recursively
    except DocumentTooLarge as exc:
        return None, [Issue("(document)", IssueCode.TOO_LARGE, str(exc), "flatten the document")]
    data, file_issues = prepare_document(data, base_dir)
    if file_issues:
        return None, [*file_issues, *_parse(data)[1]]
    return _parse(data)


def _parse(data: Any) -> tuple[Formulation | None, list[Issue]]:
    if not isinstance(data, dict):
        return None, [
            Issue(
                "(document)",
                IssueCode.SCHEMA,
                f"expected an object with sets/parameters/variables/objective/constraints, got {type(data).__name__}",
                "write the model as one JSON object",
            )
        ]
    try:
        return Formulation.model_validate(data), []
    except ValidationError as exc:
        return None, issues_from_validation_error(exc)


def decode_text(text: str, *, yaml_ok: bool = True, suffix: str = "") -> Any:
    """Decode JSON (or YAML, a superset); raises ModelFileError with the position of a syntax error.

    ``suffix`` (``.json``/``.yaml``) says which syntax error to report when the text is neither.
    """
    try:
        return load_json(text)
    except json.JSONDecodeError as json_error:
        if not yaml_ok:
            raise ModelFileError(f"invalid JSON: {json_error}") from json_error
        try:
            return load_yaml(text)
        except yaml.YAMLError as yaml_error:
            if suffix.lower() == ".json":
                raise ModelFileError(f"invalid JSON: {json_error}") from json_error
            if suffix.lower() in (".yaml", ".yml"):
                raise ModelFileError(f"invalid YAML: {yaml_error}") from yaml_error
            raise ModelFileError(
                f"neither valid JSON ({json_error}) nor valid YAML ({yaml_error})"
            ) from yaml_error


def load_formulation(source: str | Path | dict[str, Any]) -> Formulation:
    """Load a Formulation from a path, JSON/YAML text or a dict (pandas and numpy data welcome).

    Tables in CSV/Parquet files are read relative to the model file, or to the working directory for text
    and dicts.

    Raises ``ModelFileError`` when the file cannot be read or decoded and ``FormulationError`` (with every
    problem as an Issue) when the document does not have the Formulation's shape.
    """
    base_dir = Path.cwd()
    if isinstance(source, dict):
        data: Any = source
    else:
        text = _read_source(source)
        is_path = isinstance(source, Path) or "\n" not in str(source)
        suffix = Path(source).suffix if is_path else ""
        if _names_a_file(source):
            base_dir = Path(source).parent
        data = decode_text(text, suffix=suffix)
    formulation, issues = parse_document(data, base_dir)
    if formulation is None:
        raise FormulationError(issues)
    return formulation


def _names_a_file(source: str | Path) -> bool:
    return isinstance(source, Path) or (
        "\n" not in source and not source.lstrip().startswith(("{", "["))
    )


def _read_source(source: str | Path) -> str:
    if _names_a_file(source):
        path = Path(source)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return str(source)
