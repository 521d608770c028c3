"""The one interface every LLM backend implements.

A provider answers a *batch* of requests at once so that each backend can use what it is good at: a local
model batches them through the GPU, an HTTP client keeps many in flight, a batch-file provider writes them
all to one JSONL file. The formulator and the pipeline only ever see this protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from optmodel.llm.types import CompletionRequest, CompletionResponse


@runtime_checkable
class LLMProvider(Protocol):
    """Answers chat-completion requests.

    ``complete`` returns exactly one response per request, in the caller's order. A request that fails
    after the provider's own retries comes back with ``error`` set; only misuse and situations that need
    the user (e.g. :class:`optmodel.errors.PendingBatchError`) raise.
    """

    name: str
    model: str

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Answer every request; the i-th response belongs to the i-th request."""
        ...
