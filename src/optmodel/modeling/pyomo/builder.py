"""Building the Pyomo model of a Formulation over its resolved data: components, rows, logic, goals.

Used by :mod:`~optmodel.modeling.pyomo.compile`, which holds the result (:class:`CompiledModel`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from optmodel.errors import CompileError
from optmodel.modeling.elaborate.evaluate import EvaluationError, Key, ModelData, is_number
from optmodel.modeling.elaborate.instances import (
    ConstraintInstances,
    constraint_instances,
    goal_tree,
)
from optmodel.modeling.elaborate.logic import logic_instances
from optmodel.modeling.elaborate.variables import VariableInstances, variable_instances
from optmodel.modeling.language import expressions as ex
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.pyomo.expressions import (
    PyomoExpressionBuilder,
    SignAwareBuilder,
    sign_matters,
)
from optmodel.modeling.pyomo.logic import add_logic, transform
from optmodel.modeling.pyomo.nonsmooth import NonsmoothModeller
from optmodel.modeling.pyomo.relations import pyomo_relation, ranged
from optmodel.symbols import SymbolMap

_DOMAINS = {"continuous": pyo.Reals, "integer": pyo.Integers, "binary": pyo.Binary}


@dataclass(frozen=True)
class Goal:
    """One objective of a lexicographic sequence and its Pyomo ``Objective`` component."""

    name: str
    sense: str
    component: str
    #: Relative slack the goals after it may cost this one.
    tolerance: float


@dataclass(frozen=True)
class BuiltModel:
    """The Pyomo model and the names that lead back to the Formulation."""

    model: pyo.ConcreteModel
    symbols: SymbolMap
    variable_components: Mapping[str, str]
    expression_components: Mapping[str, str]
    goals: tuple[Goal, ...]


class _ComponentNames:
    """Pyomo-safe, unique component names; the Formulation's own names stay in the symbol map."""

    def __init__(self, model: pyo.ConcreteModel) -> None:
        self.model = model
        self.used: set[str] = set()

    def claim(self, name: str, prefix: str) -> str:
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or prefix
        if base[0].isdigit() or base[0] == "_":
            base = f"{prefix}_{base}"
        # A Pyomo Block attribute such as 'name', 'model' or 'solutions' cannot be a component name.
        if hasattr(self.model, base):
            base = f"{prefix}_{base}"
        candidate, n = base, 1
        while candidate in self.used or hasattr(self.model, candidate):
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


class ModelBuilder:
    """Adds every variable, named expression, objective, constraint and logical constraint to one model."""

    def __init__(self, formulation: Formulation, data: ModelData) -> None:
        self.formulation = formulation
        self.data = data
        self.model = pyo.ConcreteModel(name=formulation.name)
        self.names = _ComponentNames(self.model)
        self.var_symbols: ComponentMap = ComponentMap()
        self.con_symbols: ComponentMap = ComponentMap()
        self.instances: dict[str, VariableInstances] = {}
        self.goals: list[Goal] = []
        self.vardata: dict[str, Any] = {}
        modeller = NonsmoothModeller(self.model)
        self.plain = PyomoExpressionBuilder(data, self.vardata, self.instances, modeller)
        self.signed = SignAwareBuilder(data, self.vardata, self.instances, modeller)
        self.signed.piecewise_vars = self.plain.piecewise_vars

    def build(self) -> BuiltModel:
        f = self.formulation
        py_vars = {name: self.names.claim(name, "var") for name in f.variables}
        objective_name = self.names.claim("objective", "obj")
        py_cons = {name: self.names.claim(name, "con") for name in f.constraints}
        for name, vdef in f.variables.items():
            self._add_variable(variable_instances(name, vdef, self.data), py_vars[name])
        py_exprs = {name: self.names.claim(name, "expr") for name in self.data.expressions}
        for name, py_name in py_exprs.items():
            self._add_named_expression(name, py_name)
        self._add_objective(objective_name)
        for name, cdef in f.constraints.items():
            inst = constraint_instances(name, cdef, self.data, f.variables)
            self._add_constraint(inst, py_cons[name])
        blocks = {}
        for name, ldef in f.logic.items():
            logic = logic_instances(name, ldef, self.data, f.variables)
            block = add_logic(self, logic, self.names.claim(name, "logic"))
            blocks[name] = (block, logic.method)
        if blocks:
            transform(self.model, blocks)
        symbols = SymbolMap(variables=self.var_symbols, constraints=self.con_symbols)
        return BuiltModel(self.model, symbols, py_vars, py_exprs, tuple(self.goals))

    # --- variables -------------------------------------------------------------------------------
    def _add_variable(self, inst: VariableInstances, py_name: str) -> None:
        self.instances[inst.name] = inst
        domain = _DOMAINS[inst.kind]
        if not inst.indexed:
            var = pyo.Var(domain=domain, bounds=(inst.lower[0], inst.upper[0]))
            self.model.add_component(py_name, var)
            self.vardata[inst.name] = var
            self.var_symbols[var] = (inst.name, None)
            return
        keys = tuple(
            inst.keys
        )  # Pyomo reads a tuple as the ordered members (ProductKeys made here)
        index = pyo.Set(initialize=keys, dimen=inst.dimen, ordered=pyo.Set.InsertionOrder)
        self.model.add_component(self.names.claim(f"{py_name}_index", "set"), index)
        uniform = len(set(inst.lower)) <= 1 and len(set(inst.upper)) <= 1
        if uniform and keys:
            bounds: Any = (inst.lower[0], inst.upper[0])
        else:
            bounds = dict(zip(keys, zip(inst.lower, inst.upper, strict=True), strict=True))
        var = pyo.Var(index, domain=domain, bounds=bounds)
        self.model.add_component(py_name, var)
        elements = dict(var.items())
        self.vardata[inst.name] = elements
        name = inst.name
        for key, vardata in elements.items():
            self.var_symbols[vardata] = (name, key)

    # --- named expressions -----------------------------------------------------------------------
    def _add_named_expression(self, name: str, py_name: str) -> None:
        expression = self.data.expressions[name]
        path = f"expressions.{name}.expression"
        values = {}
        for key, env in expression.envs.items():
            at = "" if key is None else f"at {key!r}: "
            values[key] = self._evaluate(expression.tree, env, 0, path, at)
        if not expression.indexed:
            component = self._construct(py_name, pyo.Expression(expr=values[None]), path)
            self.plain.named_components[name] = self.signed.named_components[name] = component
            return
        index = pyo.Set(initialize=list(values), dimen=None, ordered=pyo.Set.InsertionOrder)
        self.model.add_component(self.names.claim(f"{py_name}_index", "set"), index)
        component = self._construct(py_name, pyo.Expression(index, initialize=values), path)
        elements = dict(component.items())
        self.plain.named_components[name] = self.signed.named_components[name] = elements

    # --- objective -------------------------------------------------------------------------------
    def _add_objective(self, py_name: str) -> None:
        objective = self.formulation.objective
        stages = [("objective", objective.sense, objective.expression, "objective.expression", 0.0)]
        stages += [
            (g.name, g.sense, g.expression, f"objective.then[{k}].expression", g.tolerance)
            for k, g in enumerate(objective.then)
        ]
        for number, (name, sense_word, source, path, tolerance) in enumerate(stages):
            tree = goal_tree(source, path)
            sign = 1 if sense_word == "minimize" else -1
            value = self._evaluate(tree, {}, sign, path, "")
            if is_number(value) and not math.isfinite(value):
                raise CompileError(f"the objective is the constant {value}", path=path)
            sense = pyo.minimize if sign > 0 else pyo.maximize
            component_name = py_name if number == 0 else self.names.claim(f"goal_{name}", "obj")
            component = pyo.Objective(expr=value, sense=sense)
            self._construct(component_name, component, path)
            if number > 0:
                component.deactivate()  # the lexicographic solve activates one goal at a time
            self.goals.append(Goal(name, sense_word, component_name, tolerance))

    # --- constraints -----------------------------------------------------------------------------
    def _add_constraint(self, inst: ConstraintInstances, py_name: str) -> None:
        path = f"constraints.{inst.name}.expression"
        parts: list[dict[Key, Any]] = []
        for key, env in inst.bindings:
            at = "" if key is None else f"at {key!r}: "
            for part, row in enumerate(self.relation_rows(inst.relation, env, path, at)):
                while len(parts) <= part:
                    parts.append({})
                parts[part][key] = row
        if not parts:
            parts.append({})
        for part, rows in enumerate(parts):
            if part > 0 and not rows:
                continue
            name = py_name if part == 0 else self.names.claim(f"{py_name}_{part + 1}", "con")
            if not inst.indexed:
                if None in rows:
                    component = self._construct(name, pyo.Constraint(expr=rows[None]), path)
                    self.con_symbols[component] = (inst.name, None)
                continue
            index = pyo.Set(initialize=list(rows), dimen=inst.dimen, ordered=pyo.Set.InsertionOrder)
            self.model.add_component(self.names.claim(f"{name}_index", "set"), index)
            component = self._construct(name, pyo.Constraint(index, rule=rows), path)
            for key, condata in component.items():
                self.con_symbols[condata] = (inst.name, key)

    def relation_rows(
        self, relation: ex.Compare, env: dict[str, Any], path: str, at: str
    ) -> list[Any]:
        """The Pyomo rows of one relation at one binding (constant rows that hold are dropped)."""
        ops, operands = relation.ops, relation.operands
        nonsmooth = sign_matters(relation, self.data.piecewise)
        # lo <= e <= hi with constant ends is one ranged row (two rows when e holds abs/min/max).
        if len(ops) == 2 and ops[0] == ops[1] and ops[0] in ("<=", ">=") and not nonsmooth:
            lo_node, hi_node = (operands[0], operands[2]) if ops[0] == "<=" else operands[2::-2]
            lo = self._evaluate(lo_node, env, 0, path, at)
            hi = self._evaluate(hi_node, env, 0, path, at)
            if is_number(lo) and is_number(hi):
                body = self._evaluate(operands[1], env, 0, path, at)
                return self._keep(ranged(lo, body, hi), relation, path, at)
            cache = {0: lo, 2: hi} if ops[0] == "<=" else {0: hi, 2: lo}
        else:
            cache = {}
        rows = []
        for n, op in enumerate(ops):
            left_sign, right_sign = {"<=": (1, -1), ">=": (-1, 1), "==": (0, 0)}[op]
            sides = []
            for position, sign in ((n, left_sign), (n + 1, right_sign)):
                if nonsmooth or position not in cache:
                    cache[position] = self._evaluate(operands[position], env, sign, path, at)
                sides.append(cache[position])
            rows += self._keep(pyomo_relation(sides[0], op, sides[1]), relation, path, at)
        return rows

    def _keep(self, row: Any, relation: ex.Compare, path: str, at: str) -> list[Any]:
        if row is True:
            return []
        if row is False:
            raise CompileError(
                f"{at}'{ex.to_source(relation)}' can never hold with this data",
                path=path,
                hint="it would make the model infeasible; check the data, the index filter, "
                "or whether the constraint is needed",
            )
        return [row]

    # --- shared ----------------------------------------------------------------------------------
    def evaluate(self, node: ex.Node, env: dict[str, Any], path: str, at: str) -> Any:
        return self._evaluate(node, env, 0, path, at)

    def _evaluate(self, node: ex.Node, env: dict[str, Any], sign: int, path: str, at: str) -> Any:
        builder = self.signed if sign_matters(node, self.data.piecewise) else self.plain
        try:
            value = builder.evaluate(node, env, sign)
        except EvaluationError as error:
            hint = error.hint
            if not hint and error.code == "unknown-name":
                hint = "declare it under sets, parameters or variables, or fix the spelling"
            raise CompileError(f"{at}{error}", path=path, hint=hint) from error
        except (ArithmeticError, TypeError, ValueError) as error:
            raise CompileError(
                f"{at}cannot evaluate '{ex.to_source(node)}': {error}",
                path=path,
                hint="check that only numbers are combined arithmetically (set members are labels)",
            ) from error
        if isinstance(value, str | tuple | bool):
            raise CompileError(
                f"{at}'{ex.to_source(node)}' is {value!r}, not a number or an expression",
                path=path,
                hint="compare quantities, not set members or conditions",
            )
        return value

    def _construct(self, name: str, component: Any, path: str) -> Any:
        try:
            self.model.add_component(name, component)
        except (ValueError, TypeError, ArithmeticError) as error:
            if self.model.component(name) is not None:
                self.model.del_component(name)
            raise CompileError(f"Pyomo rejected the expression: {error}", path=path) from error
        return component
