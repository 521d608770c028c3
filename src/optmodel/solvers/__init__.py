"""optmodel.solvers."""
