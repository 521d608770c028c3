"""Load benchmark problems from the data directory (or from a user's own JSONL file) and report status."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from optmodel.benchmarks.datasets.integrity import Verification, verify_file
from optmodel.benchmarks.datasets.problem import Problem, problem_from_record
from optmodel.benchmarks.datasets.registry import DatasetSpec, dataset_names, find_spec, get_spec
from optmodel.errors import DatasetError

#: Environment variable naming the data directory (overridden by an explicit ``data_dir``).
DATA_DIR_ENV = "OPTMODEL_DATA"


def default_data_dir() -> Path:
    """``$OPTMODEL_DATA`` if set, else ``<user cache dir>/optmodel/datasets`` (platformdirs)."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir()) / "optmodel" / "datasets"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory to use: ``data_dir`` when given, else :func:`default_data_dir`."""
    return Path(data_dir).expanduser() if data_dir is not None else default_data_dir()


@dataclass(frozen=True)
class DatasetStatus:
    """Whether a registered dataset is installed in a data directory, and whether it checks out."""

    name: str
    present: bool
    verified: bool
    #: ``exact`` (the published file), ``content`` (a fetched file), ``mismatch`` or ``missing``.
    verification: str
    count: int
    licence: str
    licence_warning: str | None
    path: str


def dataset_status(spec: DatasetSpec, data_dir: Path) -> DatasetStatus:
    """Check one dataset file against its registry entry."""
    path = data_dir / spec.file
    verification = verify_file(path, spec)
    return DatasetStatus(
        name=spec.name,
        present=verification is not Verification.MISSING,
        verified=verification.ok,
        verification=verification.value,
        count=spec.count,
        licence=spec.licence,
        licence_warning=spec.licence_warning,
        path=str(path),
    )


def list_datasets(data_dir: str | os.PathLike[str] | None = None) -> list[DatasetStatus]:
    """Status of every registered dataset in ``data_dir`` (default: :func:`default_data_dir`)."""
    root = resolve_data_dir(data_dir)
    return [dataset_status(get_spec(name), root) for name in dataset_names()]


def load_dataset(
    name: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
) -> list[Problem]:
    """Load a registered dataset by name, or a user's own ``.jsonl`` file by path.

    Registered datasets are read from ``data_dir`` (default: ``$OPTMODEL_DATA`` or the user cache
    directory); a missing file raises :class:`DatasetError` saying how to fetch it, and with
    ``verify`` a file matching neither registry checksum is refused. A path ending in ``.jsonl``
    is read as the user's own benchmark in the same record schema (``id``, ``question``, ``answer``,
    optional ``answer_status``, ``type``, ``has_table``); malformed lines raise DatasetError naming the
    line number and the problem.

    >>> problems = load_dataset("nl4opt", "/path/to/datasets")  # doctest: +SKIP
    >>> problems[0].id, problems[0].answer  # doctest: +SKIP
    ('nl4opt-test-0000', 3000.0)
    """
    text = os.fspath(name)
    spec = find_spec(text)
    if spec is None:
        path = Path(text).expanduser()
        if path.suffix == ".jsonl":
            if not path.is_file():
                raise DatasetError(f"benchmark file {path} does not exist")
            return read_problems_jsonl(path)
        if path.is_file():
            raise DatasetError(
                f"{path} is not a .jsonl file; an own benchmark is a JSON-lines file with one "
                "{id, question, answer} object per line"
            )
        get_spec(text)  # raises the "unknown dataset; registered: ..." error
    assert spec is not None
    root = resolve_data_dir(data_dir)
    path = root / spec.file
    if not path.is_file():
        raise DatasetError(
            f"dataset {spec.name!r} is not installed in {root} (expected {path}); fetch it with: "
            f"{spec.fetch_command} --data-dir {root}"
        )
    if verify:
        verification = verify_file(path, spec)
        if not verification.ok:
            raise DatasetError(
                f"{path} does not match the registry's checksums for {spec.name!r} (corrupted or a "
                f"different version); re-fetch it with: {spec.fetch_command} --force --data-dir {root}"
            )
    return read_problems_jsonl(path, dataset=spec.name)


def read_problems_jsonl(path: Path, dataset: str | None = None) -> list[Problem]:
    """Read problems from a normalized-schema JSONL file; every bad line is a DatasetError naming it.

    ``dataset`` names the problems; by default each record's own ``dataset`` field, else the file's
    stem. Blank lines are skipped; duplicate ids are an error.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    with handle:
        try:
            lines = list(handle)
        except UnicodeDecodeError as exc:
            raise DatasetError(f"{path} is not UTF-8 text: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(record, dict):
            raise DatasetError(f"{where}: expected a JSON object, got {type(record).__name__}")
        label = record.get("dataset")
        name = dataset or (label if isinstance(label, str) and label else path.stem)
        try:
            problem = problem_from_record(record, name)
        except ValueError as exc:
            raise DatasetError(f"{where}: {exc}") from exc
        if problem.id in seen:
            raise DatasetError(
                f"{where}: duplicate id {problem.id!r} (first on line {seen[problem.id]})"
            )
        seen[problem.id] = number
        problems.append(problem)
    if not problems:
        raise DatasetError(f"{path} contains no problems")
    return problems
