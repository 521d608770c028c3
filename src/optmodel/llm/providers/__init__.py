"""optmodel.llm.providers."""
