"""optmodel.benchmarks."""
