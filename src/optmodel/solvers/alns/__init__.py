"""optmodel.solvers.alns."""
