"""optmodel.modeling."""
