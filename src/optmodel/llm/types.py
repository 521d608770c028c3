"""Request and response values that cross the LLM provider boundary.

Every provider takes a batch of :class:`CompletionRequest` and returns one :class:`CompletionResponse` per
request, in the caller's order. A request that failed after the provider's retries comes back as a response
with ``error`` set; it never raises and never takes the rest of the batch down with it.

>>> req = CompletionRequest(messages=(ChatMessage("user", "Say hi"),), max_tokens=8, request_id="demo-1")
>>> len(request_fingerprint(req))
64
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ChatMessage:
    """One chat turn; ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"ChatMessage.role must be one of {ROLES}, got {self.role!r}")
        if not isinstance(self.content, str):
            raise TypeError(f"ChatMessage.content must be a str, got {type(self.content).__name__}")


@dataclass(frozen=True)
class CompletionRequest:
    """One chat completion to run.

    ``sample_index`` tells apart several samples of the same prompt (it is part of the cache key and is
    mixed into the seed); ``request_id`` is the caller's label (e.g. ``"logior-0001/attempt-2"``) and is not
    part of the request's identity. ``json_schema``, when given, asks for output that matches that JSON Schema.
    """

    messages: tuple[ChatMessage, ...]
    max_tokens: int = 1024
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    json_schema: dict[str, Any] | None = None
    sample_index: int = 0
    request_id: str = ""
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples so the value stays hashable-looking and immutable.
        if not isinstance(self.messages, tuple):
            object.__setattr__(self, "messages", tuple(self.messages))
        if not isinstance(self.stop, tuple):
            object.__setattr__(self, "stop", tuple(self.stop))
        if not self.messages:
            raise ValueError("CompletionRequest.messages must hold at least one message")
        if not all(isinstance(m, ChatMessage) for m in self.messages):
            raise TypeError("CompletionRequest.messages must be ChatMessage values")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.sample_index < 0:
            raise ValueError(f"sample_index must be >= 0, got {self.sample_index}")
        if self.json_schema is not None and not isinstance(self.json_schema, dict):
            raise TypeError("json_schema must be a dict (a JSON Schema object) or None")

    @classmethod
    def from_prompt(
        cls, prompt: str, *, system: str | None = None, **options: Any
    ) -> CompletionRequest:
        """A request of one user message (after an optional system message).

        >>> CompletionRequest.from_prompt("2+2?", max_tokens=4).messages[0].role
        'user'
        """
        messages = (ChatMessage("system", system),) if system is not None else ()
        return cls(messages=(*messages, ChatMessage("user", prompt)), **options)

    @property
    def last_user_message(self) -> str:
        """The content of the last ``user`` message ('' if there is none)."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    def effective_seed(self) -> int | None:
        """The seed to send to a backend: ``seed`` mixed with ``sample_index`` so samples differ.

        Sample 0 keeps the caller's seed unchanged; ``None`` stays ``None`` (the backend picks).
        """
        if self.seed is None or self.sample_index == 0:
            return self.seed
        return derive_seed(f"{self.seed}:{self.sample_index}")


@dataclass(frozen=True)
class Usage:
    """Token counts as reported by the backend (0 where a server does not report them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class CompletionResponse:
    """The answer to one request. ``error`` is set (and ``text`` is '') when the request failed.

    ``finish_reason`` is ``"stop"`` (end of sequence or a stop string), ``"length"`` (max_tokens reached)
    or ``"error"``. ``latency_s`` is the time spent obtaining this response (0.0 when it came from a cache).
    """

    request_id: str
    text: str
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    model: str = ""
    provider: str = ""
    cached: bool = False
    finish_reason: str = "stop"
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the request succeeded."""
        return self.error is None

    @classmethod
    def failure(
        cls,
        request: CompletionRequest,
        message: str,
        *,
        provider: str,
        model: str,
        latency_s: float = 0.0,
    ) -> CompletionResponse:
        """A response that records why ``request`` failed."""
        return cls(
            request_id=request.request_id,
            text="",
            latency_s=latency_s,
            model=model,
            provider=provider,
            finish_reason="error",
            error=message,
        )


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values always give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_identity(request: CompletionRequest) -> dict[str, Any]:
    """The parts of a request that decide its answer (everything but ``request_id``)."""
    return {
        "messages": [[m.role, m.content] for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "seed": request.seed,
        "json_schema": request.json_schema,
        "sample_index": request.sample_index,
        "stop": list(request.stop),
    }


def request_fingerprint(request: CompletionRequest, *, provider: str = "", model: str = "") -> str:
    """sha256 (hex) of the canonical JSON of the request's identity, plus provider and model if given."""
    payload = {"provider": provider, "model": model, "request": request_identity(request)}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def derive_seed(text: str) -> int:
    """A stable 63-bit seed from any text (no dependence on Python's randomised ``hash``)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1
