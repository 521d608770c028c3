"""The Formulation compiled to a Pyomo ConcreteModel on demand (GDP logic, piecewise, nonsmooth terms)."""
