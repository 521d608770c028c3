"""optmodel.llm: LLM providers behind one small, batched interface.

>>> from optmodel.llm import CompletionRequest, make_provider
>>> llm = make_provider("scripted:")
>>> llm.enqueue("42")
>>> llm.complete([CompletionRequest.from_prompt("What is 6*7?")])[0].text
'42'

Heavy backends (torch/transformers, openai) are imported only when such a provider is built.
"""

from __future__ import annotations

from optmodel.llm.cache import CachedProvider, ResponseCache, cache_key
from optmodel.llm.config import ProviderSpec, make_provider, parse_spec, resolve
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.types import (
    ChatMessage,
    CompletionRequest,
    CompletionResponse,
    Usage,
    request_fingerprint,
)

__all__ = [
    "CachedProvider",
    "ChatMessage",
    "CompletionRequest",
    "CompletionResponse",
    "LLMProvider",
    "ProviderSpec",
    "ResponseCache",
    "Usage",
    "cache_key",
    "make_provider",
    "parse_spec",
    "request_fingerprint",
    "resolve",
]
