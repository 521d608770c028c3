"""Pyomo model -> sparse arrays and names, shared by ``modeling.io`` and ``solvers`` (which never import each other).

Importing this package imports numpy and Pyomo, never a solver library.
"""

from optmodel.standard_form.extract import NonlinearPart, QuadTerm, StandardForm, extract

__all__ = ["NonlinearPart", "QuadTerm", "StandardForm", "extract"]
