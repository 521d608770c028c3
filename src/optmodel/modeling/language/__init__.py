"""What a user or an LLM writes: the Formulation (``ir``), the safe expression language, loading, issues."""
