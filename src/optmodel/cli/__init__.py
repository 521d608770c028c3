"""optmodel.cli."""
