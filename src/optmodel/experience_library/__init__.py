"""optmodel.experience_library."""
