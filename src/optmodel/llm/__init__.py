"""optmodel.llm."""
