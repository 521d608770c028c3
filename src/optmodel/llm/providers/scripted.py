"""A provider for tests: answers come from a queue or from rules, and every request is recorded.

>>> llm = ScriptedProvider(rules=[(r"capital of France", "Paris")])
>>> llm.enqueue("first answer")
>>> asks = [CompletionRequest.from_prompt("hi"), CompletionRequest.from_prompt("capital of France?")]
>>> [r.text for r in llm.complete(asks)]
['first answer', 'Paris']
>>> len(llm.requests)
2
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from optmodel.errors import LLMError
from optmodel.llm.types import CompletionRequest, CompletionResponse, Usage

Answer = str | Callable[[CompletionRequest], str]
Rules = Callable[[CompletionRequest], str | None] | Sequence[tuple[str, Answer]]


@dataclass(frozen=True)
class _Failure:
    message: str


class ScriptedProvider:
    """Answers from ``enqueue``-d texts first (in order), then from ``rules``.

    ``rules`` is either a callable ``request -> text | None`` or a list of ``(regex, answer)`` pairs,
    where the regex is searched in the last user message and ``answer`` is a text or a callable of the
    request. A request nothing answers raises :class:`optmodel.errors.LLMError`, so a test that forgot a
    response fails loudly instead of seeing an empty answer.
    """

    name = "scripted"

    def __init__(self, rules: Rules | None = None, *, model: str = "scripted") -> None:
        self.model = model
        self.requests: list[CompletionRequest] = []
        self._queue: deque[str | _Failure] = deque()
        self._rules = rules

    def enqueue(self, *texts: str) -> None:
        """Queue answers, used one per request in order, before any rule."""
        self._queue.extend(texts)

    def enqueue_error(self, message: str) -> None:
        """Queue a failed response (``error`` set), to test how callers handle provider errors."""
        self._queue.append(_Failure(message))

    @property
    def pending(self) -> int:
        """How many queued answers have not been used yet."""
        return len(self._queue)

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Answer each request in order and record it in ``requests``."""
        responses = []
        for request in requests:
            self.requests.append(request)
            answer = self._queue.popleft() if self._queue else self._from_rules(request)
            if isinstance(answer, _Failure):
                responses.append(
                    CompletionResponse.failure(
                        request, answer.message, provider=self.name, model=self.model
                    )
                )
                continue
            responses.append(
                CompletionResponse(
                    request_id=request.request_id,
                    text=answer,
                    usage=Usage(
                        prompt_tokens=sum(len(m.content.split()) for m in request.messages),
                        completion_tokens=len(answer.split()),
                    ),
                    model=self.model,
                    provider=self.name,
                )
            )
        return responses

    def _from_rules(self, request: CompletionRequest) -> str:
        if callable(self._rules):
            found = self._rules(request)
            if found is not None:
                return found
        elif self._rules is not None:
            for pattern, answer in self._rules:
                if re.search(pattern, request.last_user_message):
                    return answer(request) if callable(answer) else answer
        raise LLMError(
            "the scripted provider has no answer for the request "
            f"{request.request_id or '(no id)'} whose last user message starts: "
            f"{request.last_user_message[:200]!r}; enqueue() one or add a rule"
        )
