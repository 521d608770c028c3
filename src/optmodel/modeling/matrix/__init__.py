"""The fast path for linear models: a Formulation's standard form built over index arrays, without Pyomo.

:func:`build_matrix` raises :class:`NotVectorizable` for anything it does not handle (nonlinear terms,
abs/min/max of variables, data the reference would reject); callers then use the Pyomo compiler, which is the
reference. :func:`check_matrix_solution` checks a solution on the same arrays.
"""

from optmodel.modeling.matrix.build import MatrixModel, build_matrix
from optmodel.modeling.matrix.check import check_matrix_solution
from optmodel.modeling.matrix.frame import NotVectorizable

__all__ = ["MatrixModel", "NotVectorizable", "build_matrix", "check_matrix_solution"]
