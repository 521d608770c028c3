"""LLM backends. Each module imports its heavy dependency only when a provider is built.

- ``transformers``: local Hugging Face models, batched generation, JSON-Schema-constrained decoding
- ``openai_compat``: any ``/v1/chat/completions`` server, concurrent with retries
- ``batch``: offline batch JSONL files (vLLM ``run-batch``, OpenAI Batch API)
- ``recorded``: replay/record responses from a JSONL file
- ``scripted``: test double
"""

from __future__ import annotations

from optmodel.llm.providers.base import LLMProvider

__all__ = ["LLMProvider"]
