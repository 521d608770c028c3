"""The Formulation: a declarative, JSON/YAML-serialisable optimization model.

A Formulation names its sets, parameters, variables, one objective and named constraints. Expressions are
strings in a small whitelisted subset of Python (see :mod:`optmodel.modeling.language.expressions`); nothing is ever
``eval``-ed. Elements are kept in dicts keyed by name, so problem paths read like
``constraints.capacity.expression``.

Shorthands accepted on input (and written out in full form): a set given as a plain list is its members;
a parameter given as a plain number is a scalar; a variable's index given as one set name (``"I"``) is
``["I"]``, and one given as a list of domains (``["i in I"]``) is that domain (``"i in I"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from optmodel.atomic_files import write_atomically
from optmodel.errors import ExpressionError
from optmodel.modeling.language.expressions import parse_domain

_VAR_TYPES = {
    "continuous": "continuous",
    "real": "continuous",
    "float": "continuous",
    "nonnegativereals": "continuous",
    "integer": "integer",
    "int": "integer",
    "general": "integer",
    "nonnegativeintegers": "integer",
    "binary": "binary",
    "bool": "binary",
    "boolean": "binary",
}
_SENSES = {
    "minimize": "minimize",
    "minimise": "minimize",
    "min": "minimize",
    "maximize": "maximize",
    "maximise": "maximize",
    "max": "maximize",
}


class _Element(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = Field(
        default=None, description="What this element means in the problem."
    )


class SetDef(_Element):
    """A set, given by exactly one of: ``members``, ``range`` or ``from`` (+ optional ``where``).

    - ``members``: explicit members; strings or integers, or lists for tuples (``[["A", 1], ["B", 2]]``).
    - ``range``: ``[first, last]`` inclusive integers; either end may name a scalar parameter.
    - ``from`` + ``where``: members of a domain that satisfy a condition, e.g.
      ``{"from": "i in I, j in J", "where": "dist[i, j] <= 50"}`` gives the pairs ``(i, j)``.

    With ``index`` it is a set family, one member list per member of the index set, used as ``NB[i]``:
    ``{"index": "N", "within": "N", "members": {"1": [2, 3], "2": [1]}}`` (index members not listed have
    none), or ``{"index": "i in N", "from": "j in N", "where": "dist[i, j] <= 5"}``.
    """

    members: list[Any] | dict[Any, Any] | None = None
    range: list[int | str] | None = Field(
        default=None, description="[first, last], inclusive; ends may name scalar parameters."
    )
    from_: str | None = Field(
        default=None, alias="from", description="Domain to filter, e.g. 'i in I, j in J'."
    )
    where: str | None = Field(default=None, description="Condition kept members satisfy.")
    index: str | None = Field(
        default=None, description="Makes a set family NB[i]: 'N', or 'i in N' for from/where."
    )
    within: str | None = Field(default=None, description="The set every family member is in.")


class ParamDef(_Element):
    """A parameter: a scalar ``value``, a table of ``values`` indexed over ``index`` (set names), or computed.

    Tables may be written as nested objects keyed by members (``{"A": {"1": 3}}``), as a list aligned with the
    order of a one-dimensional index set (``[3, 5, 7]``), as rows ``[[member, ..., value], ...]``, or as a
    matrix over two index sets (``[[1, 2], [3, 4]]``). A list of lists that reads both as rows and as a matrix
    must declare ``layout``. Entries absent from the table take ``default`` when one is given.

    A computed parameter gives an ``expression`` over other parameters and its index names instead of data,
    with the index as a domain: ``{"index": "i in N, j in N", "expression": "sqrt((px[i] - px[j])**2)"}``.
    It is evaluated once, when the data is resolved.
    """

    index: list[str] | str = Field(
        default_factory=list,
        description="Names of the sets indexing the table, or a domain 'i in I, j in J' (computed).",
    )
    value: Any = Field(default=None, description="The value of a scalar parameter.")
    values: Any = Field(default=None, description="The table of an indexed parameter.")
    default: Any = Field(default=None, description="Value for table entries that are not listed.")
    layout: Literal["nested", "list", "rows", "matrix"] | None = Field(
        default=None,
        description="How 'values' is written, when a list of lists could be rows or a matrix.",
    )
    expression: str | None = Field(
        default=None, description="Computes the value from parameters and index names."
    )

    @property
    def index_sets(self) -> list[str]:
        """The sets indexing this parameter (from a domain string too; [] when it does not parse)."""
        return index_sets(self.index)


def index_sets(index: list[str] | str) -> list[str]:
    """Set names of an ``index``: a list of set names, or a domain string ``"i in I, (j, k) in ARCS"``."""
    if not isinstance(index, str):
        return list(index)
    if not is_domain(index):
        return set_names(index)
    try:
        return [clause.set_name for clause in parse_domain(index)]
    except (ExpressionError, RecursionError):
        return []


def is_domain(index: str) -> bool:
    """Whether an ``index`` string is a domain (``"i in I"``); any other string names sets."""
    return " in " in f" {index} "


def set_names(index: str) -> list[str]:
    """The sets a string index without ``in`` names: ``"I"`` is ``["I"]``, ``"I, J"`` is ``["I", "J"]``."""
    return [part.strip() for part in index.split(",") if part.strip()]


class VarDef(_Element):
    """A decision variable, scalar or indexed.

    ``index`` is a list of set names (``["I", "J"]``; one set name alone, ``"I"``, is read as ``["I"]``) or
    a domain string (``"i in I, j in J"``) when the bounds refer to the index (``"ub": "cap[i]"``). Bounds are
    numbers, parameter names or expressions; ``lb`` defaults to 0 (non-negative); ``null`` means unbounded
    in that direction.
    """

    index: list[str] | str = Field(default_factory=list)
    type: Literal["continuous", "integer", "binary"] = "continuous"
    lb: float | str | None = 0.0
    ub: float | str | None = None

    @field_validator("index")
    @classmethod
    def _one_index_form(cls, value: list[str] | str) -> list[str] | str:
        # One reading for every stage: validation, compilation and rendering all see a list of set names or
        # a domain string. A list mixing the two is left for validation to refuse.
        if isinstance(value, str) and not is_domain(value):
            return set_names(value)
        if isinstance(value, list) and value and all(is_domain(part) for part in value):
            return ", ".join(part.strip() for part in value)
        return value

    @field_validator("type", mode="before")
    @classmethod
    def _normalise_type(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _VAR_TYPES.get(value.strip().lower().replace(" ", ""), value)
        return value


def domain_in_list(entry: str) -> tuple[str, str]:
    """Message and hint for a domain inside a list index that also names sets (``["i in I", "J"]``)."""
    return (
        f"'{entry}' in a list index: the list holds set names only",
        f'write the whole index as one domain string ("{entry}, ...") or as set names ["SET", ...]',
    )


def table_without_index(
    field: str,
    bound: float | str | None,
    index: list[str] | str,
    tables: Mapping[str, Sequence[str]],
) -> tuple[str, str] | None:
    """Message and hint when a variable's bound names an indexed table without an index (``"ub": "cap"``).

    A bound is an expression evaluated at each index of the variable. Reading a bare table name as "the entry
    at the variable's own index" is a guess that holds only when the table's sets are the variable's, in
    order; every stage refuses it alike, with the form written out. ``tables`` maps indexed parameters to
    their sets.
    """
    table = bound.strip() if isinstance(bound, str) else None
    if table is None or table not in tables:
        return None
    entry = f"{table}[{', '.join(_initials(list(tables[table])))}]"
    message = f"the bound '{field}' names the table '{table}' without an index"
    if isinstance(index, str):
        hint = f'index the table with the variable\'s index names, e.g. "{field}": "{entry}"'
    elif index:
        domain = ", ".join(f"{n} in {s}" for n, s in zip(_initials(index), index, strict=True))
        hint = f'write the index as a domain and index the table: "index": "{domain}", "{field}": "{entry}"'
    else:
        hint = f"a scalar variable's bound is a number, a scalar parameter or one entry: {table}[MEMBER, ...]"
    return message, hint


def _initials(set_names: list[str]) -> list[str]:
    """Example index names for ``set_names`` in a hint: ``I, J`` -> ``i, j``; ``N, N`` -> ``n, n2``."""
    names: list[str] = []
    for set_name in set_names:
        base = set_name[:1].lower() if set_name[:1].isalpha() else "k"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}{suffix}", suffix + 1
        names.append(name)
    return names


def _sense_word(value: Any) -> Any:
    """'min', 'Minimise', 'MAX'... as the sense they name (anything else is left for validation)."""
    if isinstance(value, str):
        return _SENSES.get(value.strip().lower(), value)
    return value


class GoalDef(_Element):
    """A further objective, optimised after the ones before it are held at their optimum (lexicographic)."""

    name: str = Field(description="How the goal's value is reported.")
    sense: Literal["minimize", "maximize"]
    expression: str
    tolerance: float = Field(
        default=1e-6, ge=0, description="Relative slack allowed on the earlier objectives' optimum."
    )

    _normalise_sense = field_validator("sense", mode="before")(_sense_word)


_WIDE = Context(prec=400)


class ObjectiveDef(_Element):
    """The objective; ``then`` lists further goals in priority order (lexicographic optimisation).

    A weighted objective is one expression (``2 * cost + delay`` over named expressions, whose values are
    reported). ``round`` is for a text that asks for the answer rounded: the model is solved exactly and the
    optimum is also reported rounded to that many decimals (``SolveResult.reported_objective``).
    """

    sense: Literal["minimize", "maximize"]
    expression: str
    then: list[GoalDef] = Field(default_factory=list)
    round_: StrictInt | None = Field(
        default=None,
        alias="round",
        ge=-9,
        le=9,
        description="Report the optimum rounded to this many decimals, as the text asks (0: a whole "
        "number, 2: cents, -2: the nearest hundred); the model itself is solved exactly.",
    )

    _normalise_sense = field_validator("sense", mode="before")(_sense_word)

    def reported_value(self, value: float) -> float | None:
        """``value`` rounded as ``round`` asks (halves away from zero, as people round); None if not asked."""
        if self.round_ is None:
            return None
        # Exact decimal arithmetic on the float's shortest repr (16.665 -> 16.67, not 16.66), with room for
        # every digit of the largest float.
        exact = Decimal(repr(value))
        return float(exact.quantize(Decimal(1).scaleb(-self.round_), ROUND_HALF_UP, _WIDE))


class ConstraintDef(_Element):
    """A named constraint ``lhs <= rhs`` / ``>=`` / ``==`` (or ranged ``lo <= e <= hi``).

    ``forall`` makes it a family (``"i in I, j in J"``); ``where`` keeps only the index tuples that
    satisfy a condition on parameters and index names.
    """

    expression: str
    forall: str | None = Field(default=None, description="Index domain, e.g. 'i in I, t in T'.")
    where: str | None = Field(default=None, description="Filter on the index, e.g. 't > 1'.")


class LogicDef(_Element):
    """A logical constraint, compiled through Pyomo's GDP with big-M values computed from variable bounds.

    - implication: ``{"if": "open[i]", "then": "x[i] <= cap[i]", "else": "x[i] <= 0"}`` (``else`` optional;
      ``if`` names a binary variable, optionally ``== 0`` / ``not``);
    - disjunction: ``{"either": ["s[j] + p[j] <= s[k]", "s[k] + p[k] <= s[j]"], "at_least": 1}``.

    ``forall``/``where`` make a family as for constraints; ``method`` is ``bigm`` (default) or ``hull``.
    Every variable in a relation needs finite bounds (the big-M values come from them).
    """

    forall: str | None = None
    where: str | None = None
    if_: str | None = Field(
        default=None,
        alias="if",
        description="A binary variable ('b', 'b == 0', 'not b'), or several joined by 'and'.",
    )
    then: str | None = Field(default=None, description="The relation that holds when 'if' is true.")
    else_: str | None = Field(default=None, alias="else", description="The relation otherwise.")
    either: list[str] | None = Field(default=None, description="Relations, at least one holds.")
    at_least: int = Field(default=1, ge=1, description="How many of 'either' must hold.")
    method: Literal["bigm", "hull"] = "bigm"


class ExpressionDef(_Element):
    """A named expression of the variables, usable by name in constraints and the objective.

    ``{"index": "k in K", "expression": "sum(w[i] * x[i, k] for i in I)"}`` is used as ``load[k]``; its
    value at the solution is reported beside the variables'.
    """

    index: str = Field(default="", description="Index domain, e.g. 'k in K' (empty: a scalar).")
    expression: str


class PiecewiseDef(_Element):
    """A piecewise-linear function of an expression, used by name like a named expression.

    ``{"index": "i in I", "of": "buy[i]", "points": [0, 100, 200], "values": [0, 500, 900]}`` is ``cost[i]``:
    linear between consecutive (point, value) pairs, defined from the first point to the last. Points and
    values are numbers or expressions over parameters and the index. Compiled with Pyomo's ``Piecewise``.
    """

    index: str = Field(default="", description="Index domain, e.g. 'i in I' (empty: a scalar).")
    of: str = Field(description="The argument: an expression of the variables.")
    points: list[float | str] = Field(description="Breakpoints, increasing.")
    values: list[float | str] = Field(description="The function's value at each breakpoint.")


class Formulation(BaseModel):
    """A complete optimization model. Element dicts keep the order in which they were written."""

    model_config = ConfigDict(extra="forbid")

    name: str = "model"
    description: str | None = None
    assumptions: list[str] = Field(
        default_factory=list,
        description="Every reading of the problem text that it leaves open, one plain sentence each.",
    )
    missing_data: list[str] = Field(
        default_factory=list,
        description="Data that decides the answer and that the text does not give, one item each; the "
        "values used in their place are stated in assumptions, so the answer rests on them.",
    )
    sets: dict[str, SetDef] = Field(default_factory=dict)
    parameters: dict[str, ParamDef] = Field(default_factory=dict)
    variables: dict[str, VarDef]
    expressions: dict[str, ExpressionDef] = Field(default_factory=dict)
    piecewise: dict[str, PiecewiseDef] = Field(default_factory=dict)
    objective: ObjectiveDef
    constraints: dict[str, ConstraintDef] = Field(default_factory=dict)
    logic: dict[str, LogicDef] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthands(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        sets = data.get("sets")
        if isinstance(sets, dict):
            data["sets"] = {
                k: {"members": v} if isinstance(v, list) else v for k, v in sets.items()
            }
        params = data.get("parameters")
        if isinstance(params, dict):
            data["parameters"] = {
                k: {"value": v} if isinstance(v, int | float) and not isinstance(v, bool) else v
                for k, v in params.items()
            }
        return data

    # --- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in full form (no shorthands), without unset optional fields."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        for listed in ("assumptions", "missing_data"):
            if not data[listed]:
                del data[listed]
        # lb defaults to 0, so the null of a variable without a lower bound must be written out.
        for name, var in self.variables.items():
            if var.lb is None:
                data["variables"][name]["lb"] = None
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        import yaml

        data = self.to_dict()
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        # PyYAML writes some code points (e.g. U+0085, a YAML line break) unescaped in unicode mode and reads
        # them back changed; escaping everything non-ASCII is always faithful.
        if yaml.safe_load(text) != data:
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False)
        return text

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema an LLM (or a grammar-constrained decoder) is asked to follow."""
        return cls.model_json_schema(by_alias=True)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        text = self.to_yaml() if path.suffix.lower() in (".yaml", ".yml") else self.to_json()
        write_atomically(path, text)
