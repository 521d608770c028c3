"""The OpenAI chat-completions wire format, shared by the HTTP provider and the batch-file provider.

Both send the same request body and read the same response body (a batch output line wraps exactly that
body), so a response parsed from a vLLM ``run-batch`` file and one fetched over HTTP look alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optmodel.llm.types import CompletionRequest, CompletionResponse, Usage


class MalformedResponse(ValueError):
    """A chat-completion body that does not have the expected shape."""


class NoAnswer(MalformedResponse):
    """A well-formed chat completion without text (a refusal, or content null): a failed answer."""


@dataclass(frozen=True)
class ChatCompletion:
    """What a chat-completion body says, compared by value (two equal ones are the same answer)."""

    text: str
    finish_reason: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int


def response_format(schema: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """The ``response_format`` value asking for JSON matching ``schema`` (OpenAI, vLLM, llama.cpp)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema, "strict": strict},
    }


def chat_body(
    request: CompletionRequest,
    model: str,
    *,
    structured_output: bool = True,
    strict_schema: bool = False,
    max_tokens_field: str = "max_tokens",
) -> dict[str, Any]:
    """The JSON body of a ``POST /v1/chat/completions`` for ``request``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        max_tokens_field: request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
    }
    seed = request.effective_seed()
    if seed is not None:
        body["seed"] = seed
    if request.stop:
        body["stop"] = list(request.stop)
    if request.json_schema is not None and structured_output:
        body["response_format"] = response_format(request.json_schema, strict=strict_schema)
    return body


def read_chat_completion(body: Any) -> ChatCompletion:
    """Check and read a chat-completion response body.

    Raises :class:`NoAnswer` for a completion without text, :class:`MalformedResponse` (with what was
    wrong) for a body of the wrong shape.
    """
    if not isinstance(body, dict):
        raise MalformedResponse(f"expected a JSON object, got {type(body).__name__}")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse("the response has no 'choices'")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("the first choice has no 'message'")
    content = message.get("content")
    if content is None:
        refusal = message.get("refusal")
        raise NoAnswer(
            f"the model refused: {refusal}" if refusal else "the message has no text content"
        )
    if not isinstance(content, str):
        raise MalformedResponse(f"message content is a {type(content).__name__}, not text")
    model = body.get("model")
    return ChatCompletion(
        content,
        str(choice.get("finish_reason") or "stop"),
        str(model) if model else None,
        *token_counts(body.get("usage")),
    )


def token_counts(usage: Any) -> tuple[int, int]:
    """(prompt, completion) tokens of a ``usage`` object; absent counts are 0, wrong types malformed."""
    if usage is None:
        return 0, 0
    if not isinstance(usage, dict):
        raise MalformedResponse(f"'usage' is a {type(usage).__name__}, not an object")
    counts = []
    for field in ("prompt_tokens", "completion_tokens"):
        value = usage.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise MalformedResponse(f"usage.{field} is {value!r}, not a non-negative integer")
        counts.append(value or 0)
    return counts[0], counts[1]


def to_response(
    completion: ChatCompletion,
    request: CompletionRequest,
    *,
    provider: str,
    model: str,
    latency_s: float = 0.0,
) -> CompletionResponse:
    """The :class:`CompletionResponse` to ``request`` that ``completion`` gives."""
    return CompletionResponse(
        request_id=request.request_id,
        text=completion.text,
        usage=Usage(completion.prompt_tokens, completion.completion_tokens),
        latency_s=latency_s,
        model=completion.model or model,
        provider=provider,
        finish_reason=completion.finish_reason,
    )


def parse_chat_completion(
    body: Any,
    request: CompletionRequest,
    *,
    provider: str,
    model: str,
    latency_s: float = 0.0,
) -> CompletionResponse:
    """Turn a chat-completion response body into a :class:`CompletionResponse`.

    Raises :class:`MalformedResponse` (with what was wrong) if the body lacks a message.
    """
    return to_response(
        read_chat_completion(body), request, provider=provider, model=model, latency_s=latency_s
    )
