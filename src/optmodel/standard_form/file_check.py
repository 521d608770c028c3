"""Strict structure checks of LP and MPS files, before any solver library reads them.

HiGHS reads damaged files leniently: an MPS file whose ``RHS`` header was deleted reads its right-hand
sides as a column named ``RHS``, a ``COLUMNS`` line without its value reads as 0, a file cut off before
``ENDATA`` reads as the part that is left — and each of them "solves" to an optimum of the wrong model.
So every line is checked here against its section's grammar and the first problem is an error naming
the line. LP files are free-form; what is checked is that the file does not stop in the middle of a
statement (a missing closing ``end`` is only a warning, as many files in the wild lack it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from optmodel.errors import ModelFileError

#: Values at least this large mean "infinite" in MPS right-hand sides and bounds (HiGHS's convention).
_MPS_INFINITY = 1e20
_BOUND_TYPES_WITH_VALUE = {"UP", "LO", "FX", "LI", "UI", "SC"}
_BOUND_TYPES_WITHOUT_VALUE = {"FR", "MI", "PL", "BV"}
_SKIPPED_SECTIONS = {"SOS", "CSECTION", "INDICATORS", "QCMATRIX", "GENCONS", "PWLOBJ", "PWLNAM"}
_SECTIONS = {"NAME", "OBJSENSE", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS"}
_SECTIONS |= {"QUADOBJ", "QMATRIX", "QSECTION", "ENDATA"} | _SKIPPED_SECTIONS


@dataclass
class _MpsState:
    file: Path
    max_magnitude: float
    section: str = ""
    seen: set[str] = field(default_factory=set)
    rows: set[str] = field(default_factory=set)
    columns: set[str] = field(default_factory=set)
    last_column: str = ""

    def fail(self, number: int, message: str) -> ModelFileError:
        return ModelFileError(f"{self.file}, line {number}: {message}")

    def number(self, number: int, text: str, what: str, *, infinite_ok: bool) -> float:
        try:
            value = float(text)
        except ValueError:
            raise self.fail(number, f"{what} {text!r} is not a number") from None
        if math.isnan(value):
            raise self.fail(number, f"{what} is NaN")
        limit_hit = abs(value) > self.max_magnitude
        if limit_hit and not (infinite_ok and abs(value) >= _MPS_INFINITY):
            raise self.fail(
                number,
                f"{what} {text} is beyond the largest magnitude allowed ({self.max_magnitude:g}); "
                "rescale the model",
            )
        return value


def check_model_file(path: Path, *, max_magnitude: float = 1e15) -> list[str]:
    """Raise :class:`ModelFileError` naming the line of the first structural problem; return warnings."""
    data = path.read_bytes()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ModelFileError(f"{path}, line {line}: the file holds a NUL byte; it is damaged")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ModelFileError(f"{path}, line {line}: the file is not UTF-8 text") from None
    if path.suffix.lower() == ".mps":
        check_mps(text, path, max_magnitude=max_magnitude)
        return []
    return check_lp(text, path)


def check_mps(text: str, file: Path, *, max_magnitude: float = 1e15) -> None:
    """Every line fits its section; ROWS, COLUMNS and ENDATA are present; every number parses."""
    state = _MpsState(file, max_magnitude)
    number = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("*"):
            continue
        fields = line.split()
        head = fields[0].upper()
        if not line[0].isspace() and head in _SECTIONS:
            _enter(state, number, head, fields)
            if head == "ENDATA":
                break
            continue
        _data_line(state, number, fields)
    else:
        raise state.fail(number, "the file ends before ENDATA: it is truncated")
    for required in ("ROWS", "COLUMNS", "RHS"):
        if required not in state.seen:
            # RHS may be empty but is always written (HiGHS, MIPLIB): without its header, right-hand
            # sides would read as a column named like the RHS set.
            raise ModelFileError(
                f"{file}: the {required} section is missing"
                + (
                    " (write an empty RHS section when every right-hand side is 0)"
                    if required == "RHS"
                    else ""
                )
            )


def _enter(state: _MpsState, number: int, head: str, fields: list[str]) -> None:
    if head in state.seen and head not in ("OBJSENSE", "ENDATA"):
        raise state.fail(number, f"the {head} section appears twice")
    order = ["ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS"]
    if head in order[1:] and "ROWS" not in state.seen:
        raise state.fail(number, f"{head} before ROWS: the ROWS section is missing")
    if head in order[2:] and "COLUMNS" not in state.seen:
        raise state.fail(number, f"{head} before COLUMNS: the COLUMNS section is missing")
    state.seen.add(head)
    state.section = head
    if head == "OBJSENSE" and len(fields) > 1:
        _objsense(state, number, fields[1])
        state.section = ""


def _objsense(state: _MpsState, number: int, word: str) -> None:
    if word.upper() not in ("MAX", "MIN", "MAXIMIZE", "MINIMIZE"):
        raise state.fail(number, f"OBJSENSE must be MAX or MIN, got {word!r}")


def _data_line(state: _MpsState, number: int, fields: list[str]) -> None:
    section = state.section
    if section in ("", "NAME", "ENDATA"):
        raise state.fail(number, f"a data line outside any section: {' '.join(fields)!r}")
    if section == "OBJSENSE":
        if len(fields) != 1:
            raise state.fail(number, "OBJSENSE takes one word, MAX or MIN")
        _objsense(state, number, fields[0])
    elif section == "OBJNAME":
        if len(fields) != 1:
            raise state.fail(number, "OBJNAME takes one row name")
    elif section == "ROWS":
        if len(fields) != 2 or fields[0].upper() not in ("N", "E", "L", "G"):
            raise state.fail(number, "a ROWS line is a type (N, E, L or G) and a row name")
        state.rows.add(fields[1])
    elif section == "COLUMNS":
        _column_line(state, number, fields)
    elif section in ("RHS", "RANGES"):
        _pairs(state, number, fields, section)
    elif section == "BOUNDS":
        _bound_line(state, number, fields)
    elif section in ("QUADOBJ", "QMATRIX", "QSECTION"):
        if len(fields) != 3:
            raise state.fail(number, f"a {section} line is two column names and a value")
        state.number(number, fields[2], "the coefficient", infinite_ok=False)


def _column_line(state: _MpsState, number: int, fields: list[str]) -> None:
    if len(fields) >= 3 and fields[1].strip("'\"").upper() == "MARKER":
        marker = fields[2].strip("'\"").upper()
        if marker not in ("INTORG", "INTEND"):
            raise state.fail(number, f"unknown MARKER {fields[2]!r} (INTORG or INTEND)")
        return
    if len(fields) not in (3, 5):
        raise state.fail(
            number,
            f"a COLUMNS line is a column name and one or two (row, value) pairs; got {len(fields)} fields",
        )
    if fields[0] != state.last_column:
        if fields[0] in state.columns:
            raise state.fail(number, f"column {fields[0]!r} appears again after other columns")
        state.columns.add(fields[0])
        state.last_column = fields[0]
    for row, value in zip(fields[1::2], fields[2::2], strict=True):
        if row not in state.rows:
            raise state.fail(number, f"row {row!r} is not declared in ROWS")
        state.number(number, value, f"the coefficient of {fields[0]} in {row}", infinite_ok=False)


def _pairs(state: _MpsState, number: int, fields: list[str], section: str) -> None:
    pairs = fields[1:] if len(fields) in (3, 5) else fields
    if len(pairs) not in (2, 4):
        raise state.fail(number, f"a {section} line is an optional set name and (row, value) pairs")
    for row, value in zip(pairs[0::2], pairs[1::2], strict=True):
        if row not in state.rows:
            raise state.fail(number, f"row {row!r} in {section} is not declared in ROWS")
        state.number(number, value, f"the {section} value of {row}", infinite_ok=True)


def _bound_line(state: _MpsState, number: int, fields: list[str]) -> None:
    kind = fields[0].upper()
    if kind in _BOUND_TYPES_WITH_VALUE:
        if len(fields) not in (3, 4):
            raise state.fail(number, f"a {kind} bound is: {kind} [set] column value")
        column, value = fields[-2], fields[-1]
        state.number(number, value, f"the {kind} bound of {column}", infinite_ok=True)
    elif kind in _BOUND_TYPES_WITHOUT_VALUE:
        if len(fields) not in (2, 3):
            raise state.fail(number, f"a {kind} bound is: {kind} [set] column")
        column = fields[-1]
    else:
        raise state.fail(number, f"unknown bound type {fields[0]!r}")
    if column not in state.columns:
        raise state.fail(number, f"bound on {column!r}, which is not a column in COLUMNS")


# --- LP ---------------------------------------------------------------------------------------------
_LP_SECTION = re.compile(
    r"^\s*(maximi[sz]e|minimi[sz]e|max|min|maximum|minimum|subject\s+to|such\s+that|s\.?t\.?"
    r"|bounds?|generals?|gen|integers?|binary|binaries|bin|semi-continuous|semis?|sos|end)\b\s*:?",
    re.IGNORECASE,
)
_DANGLING = ("+", "-", "*", "/", "^", ":", "<", ">", "=", "<=", ">=", "=<", "=>", "[")


def check_lp(text: str, file: Path) -> list[str]:
    """Error if the file stops mid-statement; a warning (returned) if it only lacks ``end``."""
    lines = [line.split("\\", 1)[0].rstrip() for line in text.splitlines()]
    content = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not content:
        raise ModelFileError(f"{file}: the file is empty")
    first = _LP_SECTION.match(content[0][1])
    if first is None or not first.group(1).lower().startswith(("max", "min")):
        raise ModelFileError(
            f"{file}, line {content[0][0]}: an LP file starts with Maximize or Minimize "
            f"(got {content[0][1].strip()[:40]!r})"
        )
    section = ""
    statement = ""  # the constraint being read, since its start
    for _, line in content:
        match = _LP_SECTION.match(line)
        if match:
            section = match.group(1).lower().split()[0]
            statement = ""
            line = line[match.end() :]
        if section in ("subject", "such", "st", "s.t.", "s.t") and line.strip():
            if re.match(r"^\s*[A-Za-z_][\w.]*\s*:", line) or _complete(statement):
                statement = ""
            statement += " " + line
    last_number, last_line = content[-1]
    if section == "end":
        return []
    tail = last_line.strip()
    if tail.endswith(_DANGLING) or (statement and not _complete(statement)):
        raise ModelFileError(
            f"{file}, line {last_number}: the file ends in the middle of a statement "
            f"({tail[-40:]!r}); it is truncated"
        )
    return [f"{file} lacks the closing 'end' keyword of the LP format; read it as if it were there"]


def _complete(statement: str) -> bool:
    """A constraint is complete once a comparison is followed by a right-hand side."""
    found = re.search(r"(<=|>=|=<|=>|<|>|=)\s*([-+]?\s*[\w.]+)", statement)
    return bool(found)
