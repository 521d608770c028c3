"""The OpenAI chat-completions wire format, shared by the HTTP provider and the batch-file provider.

Both send the same request body and read the same response body (a batch output line wraps exactly that
body), so a response parsed from a vLLM ``run-batch`` file and one fetched over HTTP look alike.
"""

from __future__ import annotations

from typing import Any

from optmodel.llm.types import CompletionRequest, CompletionResponse, Usage


class MalformedResponse(ValueError):
    """A chat-completion body that does not have the expected shape."""


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
        reason = f"the model refused: {refusal}" if refusal else "the message has no text content"
        raise MalformedResponse(reason)
    if not isinstance(content, str):
        raise MalformedResponse(f"message content is a {type(content).__name__}, not text")
    reported = body.get("usage")
    usage: dict[str, Any] = reported if isinstance(reported, dict) else {}
    return CompletionResponse(
        request_id=request.request_id,
        text=content,
        usage=Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        ),
        latency_s=latency_s,
        model=str(body.get("model") or model),
        provider=provider,
        finish_reason=str(choice.get("finish_reason") or "stop"),
    )
