"""From a Formulation to its meaning: resolved data (sets, tables, computed parameters), concrete instances,
logic and piecewise terms. Every later stage (checks, Pyomo, matrix, render, solution check) reads these."""
