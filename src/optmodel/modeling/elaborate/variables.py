"""Expanding a Formulation's variables into concrete instances: keys and per-key bounds.

Each variable is expanded once per resolved model (kept in :attr:`ModelData.expansions
<optmodel.modeling.elaborate.model_data.ModelData.expansions>`); the compiler, the matrix fast path, the
solution checker and the big-M check read the same immutable record. No Pyomo here. Every problem is
raised as a :class:`~optmodel.errors.CompileError` with the path of the offending field.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from optmodel.errors import CompileError, ExpressionError
from optmodel.modeling.elaborate.evaluate import (
    EvaluationError,
    Evaluator,
    Key,
    ModelData,
    as_key,
    is_number,
)
from optmodel.modeling.elaborate.instances import Clauses, compile_error
from optmodel.modeling.elaborate.product_keys import ProductKeys
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import (
    VarDef,
    domain_in_list,
    is_domain,
    set_names,
    table_without_index,
)

_UNBOUNDED_WORDS = frozenset({"", "none", "null"})


@dataclass(frozen=True)
class VariableInstances:
    """The concrete elements of one variable: ``keys[n]`` has bounds ``lower[n]``, ``upper[n]`` (None: unbounded)."""

    name: str
    kind: Literal["continuous", "integer", "binary"]
    indexed: bool
    dimen: int
    sets: tuple[str, ...]
    keys: Sequence[Key]  # (None,) for a scalar variable; a tuple, or ProductKeys over plain sets
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]

    @functools.cached_property
    def key_set(self) -> frozenset[Key]:
        """The keys for membership tests, built on first use and then shared like the keys."""
        return frozenset(self.keys)


def variable_instances(name: str, vdef: VarDef, data: ModelData) -> VariableInstances:
    """Keys and per-key bounds of variable ``name``, expanded once per ``data``; raises CompileError (path
    ``variables.<name>...``)."""
    return data.expansions.once(
        "variable", name, repr(vdef), lambda: _expand_variable(name, vdef, data)
    )


def _expand_variable(name: str, vdef: VarDef, data: ModelData) -> VariableInstances:
    path = f"variables.{name}"
    clauses, domain_form = _variable_clauses(name, vdef, data)
    sets = tuple(c.set_name for c in clauses)
    if not clauses:
        keys: Sequence[Key] = (None,)
        envs: list[dict[str, Any]] = [{}]
    elif domain_form:
        targets = [t for c in clauses for t in c.targets]
        try:
            envs = list(Evaluator(data).bindings(clauses, None, {}))
        except EvaluationError as error:
            raise compile_error(error, f"{path}.index") from error
        keys = tuple([as_key(tuple(env[t] for t in targets)) for env in envs])
    else:
        keys = _product_keys([data.sets[s] for s in sets])
        envs = []
    dimen = sum(data.dimen(s) for s in sets)
    lower = _bounds(name, vdef, "lb", data, keys, envs, sets)
    upper = _bounds(name, vdef, "ub", data, keys, envs, sets)
    if vdef.type == "binary":
        for which, values, ok in (("lb", lower, lambda v: v >= 0), ("ub", upper, lambda v: v <= 1)):
            bad = next((v for v in values if v is not None and not ok(v)), None)
            if bad is not None:
                raise CompileError(
                    f"binary variable '{name}' has {which} {bad:g}, outside [0, 1]",
                    path=f"{path}.{which}",
                    hint="remove the bound (binaries are 0 or 1), or make the variable integer",
                )
    # One bound for every key (the usual case) is compared once.
    uniform = bool(keys) and lower.count(lower[0]) == len(lower) == upper.count(upper[0])
    for key, lo, hi in zip(keys[:1] if uniform else keys, lower, upper, strict=False):
        if lo is not None and hi is not None and lo > hi:
            where = "" if key is None else f" at {key!r}"
            raise CompileError(
                f"variable '{name}'{where} has lb {lo:g} > ub {hi:g}",
                path=f"{path}.lb",
                hint="swap or correct the bounds; as written no value is allowed",
            )
    return VariableInstances(name, vdef.type, bool(clauses), dimen, sets, keys, lower, upper)


def _variable_clauses(name: str, vdef: VarDef, data: ModelData) -> tuple[Clauses, bool]:
    index = vdef.index
    path = f"variables.{name}.index"
    domain_form = isinstance(index, str) and is_domain(index)
    if isinstance(index, str) and domain_form:
        try:
            clauses: Clauses = ex.parse_domain(index)
        except ExpressionError as error:
            raise compile_error(error, path) from error
    else:
        names = set_names(index) if isinstance(index, str) else index
        for entry in names:
            if is_domain(entry):
                message, hint = domain_in_list(entry)
                raise CompileError(message, path=path, hint=hint)
        clauses = [ex.DomainClause((), s) for s in names]
    for set_name in (c.set_name for c in clauses):
        if set_name not in data.sets:
            raise CompileError(
                f"variable '{name}' is indexed by unknown set '{set_name}'",
                path=path,
                hint=f"declare '{set_name}' under 'sets' or use one of: {', '.join(data.sets) or '(none)'}",
            )
    return clauses, domain_form


def _product_keys(member_lists: list[list[Any]]) -> Sequence[Key]:
    if len(member_lists) == 1:
        return tuple(member_lists[0])
    if all(not m or not isinstance(m[0], tuple) for m in member_lists):
        return ProductKeys(member_lists)  # the keys made when read, not 490k tuples up front
    return tuple([as_key(combo) for combo in itertools.product(*member_lists)])


def _bounds(
    name: str,
    vdef: VarDef,
    which: Literal["lb", "ub"],
    data: ModelData,
    keys: Sequence[Key],
    envs: list[dict[str, Any]],
    sets: tuple[str, ...],
) -> tuple[float | None, ...]:
    raw = getattr(vdef, which)
    path = f"variables.{name}.{which}"
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _UNBOUNDED_WORDS):
        return (None,) * len(keys)
    bare_table = table_without_index(which, raw, vdef.index, data.table_index)
    if bare_table is not None:
        raise CompileError(bare_table[0], path=path, hint=bare_table[1])
    if is_number(raw):
        values: list[Any] = [raw]
    else:
        text = raw.strip()
        if text in data.scalars:
            values = [data.scalars[text]]
        else:
            values = _bound_expressions(text, data, keys, envs, sets, path)
    finite = tuple([_finite(float(v), which, name, path) for v in values])
    return finite * len(keys) if len(finite) == 1 else finite


def _bound_expressions(
    text: str,
    data: ModelData,
    keys: Sequence[Key],
    envs: list[dict[str, Any]],
    sets: tuple[str, ...],
    path: str,
) -> list[Any]:
    try:
        tree = ex.parse(text)
        evaluator = Evaluator(data)
        values = [evaluator.eval(tree, env) for env in (envs or [{}] * len(keys))]
    except (EvaluationError, ExpressionError) as error:
        hint = error.hint
        unknown = isinstance(error, EvaluationError) and error.code == "unknown-name"
        if unknown and not envs and sets:
            hint = (
                "to use index names in a bound, write the index as a domain, "
                f'e.g. "index": "i in {sets[0]}"'
            )
        elif unknown and not sets:
            hint = "a scalar variable's bound may use numbers and scalar parameters only"
        raise CompileError(f"bound '{text}': {error}", path=path, hint=hint) from error
    bad = next((v for v in values if not is_number(v)), None)
    if bad is not None:
        raise CompileError(f"bound '{text}' is not a number ({bad!r})", path=path)
    return values


def _finite(value: float, which: str, name: str, path: str) -> float | None:
    if math.isnan(value) or value == (math.inf if which == "lb" else -math.inf):
        raise CompileError(
            f"variable '{name}' has {which} {value}", path=path, hint="no value would be allowed"
        )
    return None if math.isinf(value) else value


def missing_key_message(inst: VariableInstances, key: Key | None) -> tuple[str, str]:
    """Message and hint for a reference ``name[key]`` that is not an element of the variable."""
    name = inst.name
    if not inst.indexed:
        return f"variable '{name}' is a scalar and cannot be indexed", f"write {name} without [...]"
    if key is None:
        return (
            f"variable '{name}' is indexed and must be used with an index",
            f"write {name}[...] with one entry per index over {' x '.join(inst.sets)}",
        )
    parts = key if isinstance(key, tuple) else (key,)
    if len(parts) != inst.dimen:
        return (
            f"{name}[{', '.join(map(repr, parts))}] has {len(parts)} index value(s); "
            f"'{name}' is indexed over {' x '.join(inst.sets)} ({inst.dimen})",
            f"write {name}[...] with {inst.dimen} index value(s)",
        )
    detail = ""
    if len(inst.sets) == inst.dimen:
        # Say which component falls outside which set: the most useful pointer to the fix.
        for position, (value, set_name) in enumerate(zip(parts, inst.sets, strict=True)):
            if value not in {k[position] if isinstance(k, tuple) else k for k in inst.keys}:
                detail = f": {value!r} is not a member of {set_name}"
                break
    return (
        f"{name}[{', '.join(map(repr, parts))}] does not exist{detail}",
        f"'{name}' is defined over {' x '.join(inst.sets)}; guard the reference with an 'if' filter "
        "or fix the index expression (e.g. t - 1 at the first period)",
    )
