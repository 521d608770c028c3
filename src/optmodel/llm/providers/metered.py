"""A provider wrapper that counts what a run cost: distinct requests, tokens and time waiting for answers.

A request asked again (a repair loop replayed by the batch provider, a cache hit) counts once, so the figures
are what the run needed from the model, not how often the code asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.types import CompletionRequest, CompletionResponse, request_fingerprint


@dataclass
class UsageTotals:
    """Distinct requests answered, their tokens and the seconds spent obtaining them."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    seen: set[str] = field(default_factory=set, repr=False)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class MeteredProvider:
    """Wraps ``inner`` (any :class:`LLMProvider`) and adds every distinct answered request to ``totals``.

    >>> from optmodel.llm.providers.scripted import ScriptedProvider
    >>> scripted = ScriptedProvider()
    >>> scripted.enqueue("hi")
    >>> metered = MeteredProvider(scripted)
    >>> _ = metered.complete([CompletionRequest.from_prompt("Say hi")])
    >>> metered.totals.calls
    1
    """

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.totals = UsageTotals()

    def cache_identity(self) -> dict[str, Any]:
        """The wrapped provider's: counting changes no answer (a cache around this one keys by ``inner``)."""
        from optmodel.llm.cache import provider_settings

        return provider_settings(self.inner)

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        responses = self.inner.complete(requests)
        for request, response in zip(requests, responses, strict=True):
            key = request_fingerprint(request, provider=self.name, model=self.model)
            if response.ok and key not in self.totals.seen:
                self.totals.seen.add(key)
                self.totals.calls += 1
                self.totals.prompt_tokens += response.usage.prompt_tokens
                self.totals.completion_tokens += response.usage.completion_tokens
                self.totals.latency_s += response.latency_s
        return responses
