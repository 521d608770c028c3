"""Any server that speaks ``POST /v1/chat/completions``: OpenAI, vLLM, Ollama, llama.cpp server, SGLang.

Spec strings: ``openai:gpt-4o`` (api.openai.com) or ``openai:MODEL@http://host:port/v1``. Needs
``optmodel[openai]``. Many requests are in flight at once (a thread pool of ``concurrency`` workers);
each is retried with exponential backoff and jitter on 408/409/429/5xx, timeouts and connection errors
(honouring ``Retry-After``), and a request that still fails comes back with ``error`` set.

Structured output goes out as ``response_format={"type": "json_schema", ...}``. If the server answers 400
about ``response_format``, the provider resends without it once and remembers that this server lacks it
(the caller validates the JSON itself); likewise it switches to ``max_completion_tokens`` for models that
reject ``max_tokens``.

API key: the ``api_key`` argument, else the variable named by ``api_key_env``, else ``OPTMODEL_API_KEY``,
else ``OPENAI_API_KEY``. Local servers need none.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from optmodel.errors import LLMNotConfiguredError, MissingExtraError
from optmodel.llm.providers.openai_format import MalformedResponse, chat_body, parse_chat_completion
from optmodel.llm.types import CompletionRequest, CompletionResponse

log = logging.getLogger(__name__)

_RETRY_STATUS = (408, 409, 429)


class OpenAICompatProvider:
    """Chat completions over HTTP with the ``openai`` SDK.

    >>> provider = OpenAICompatProvider("qwen2.5", base_url="http://localhost:8000/v1")  # doctest: +SKIP
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        api_key_env: str | None = None,
        concurrency: int = 8,
        timeout_s: float = 120.0,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        structured_output: bool = True,
        strict_schema: bool = False,
    ) -> None:
        if not model:
            raise ValueError("OpenAICompatProvider needs a model name, e.g. openai:gpt-4o")
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        try:
            import openai
        except ImportError as exc:
            raise MissingExtraError("openai", "openai", "OpenAI-compatible servers") from exc
        self._openai = openai
        self.model = model
        self.base_url = base_url
        self.concurrency = concurrency
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.structured_output = structured_output  # turned off for good after a 400 about it
        self.strict_schema = strict_schema
        self.max_tokens_field = "max_tokens"
        self._lock = threading.Lock()
        # Our own retry loop (below) decides; the SDK must not retry on top of it.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=_resolve_api_key(api_key, api_key_env, base_url),
            max_retries=0,
            timeout=timeout_s,
        )

    def _endpoint(self) -> str:
        return f"{str(self._client.base_url).rstrip('/')}/chat/completions"

    def cache_identity(self) -> dict[str, Any]:
        """What besides the request decides an answer: the endpoint and how the body is shaped."""
        return {
            "base_url": str(self._client.base_url),
            "structured_output": self.structured_output,
            "strict_schema": self.strict_schema,
            "max_tokens_field": self.max_tokens_field,
        }

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Send every request, ``concurrency`` at a time; answers come back in the caller's order."""
        if not requests:
            return []
        workers = min(self.concurrency, len(requests))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="optmodel-llm") as pool:
            return list(pool.map(self._complete_one, requests))

    def _complete_one(self, request: CompletionRequest) -> CompletionResponse:
        openai = self._openai
        started = time.perf_counter()
        attempt = 0
        while True:
            body = chat_body(
                request,
                self.model,
                structured_output=self.structured_output,
                strict_schema=self.strict_schema,
                max_tokens_field=self.max_tokens_field,
            )
            reply = ""
            try:
                raw = self._client.chat.completions.with_raw_response.create(**body)
                reply = raw.http_response.text
                data = json.loads(reply)
                return parse_chat_completion(
                    data,
                    request,
                    provider=self.name,
                    model=self.model,
                    latency_s=time.perf_counter() - started,
                )
            except (json.JSONDecodeError, MalformedResponse) as exc:
                message = f"malformed response from {self._endpoint()}: {exc}; the reply starts: {_start(reply)}"
                return self._failure(request, message, started)
            except openai.BadRequestError as exc:
                if self._adapt_to(exc, body):
                    continue  # resend at once with the adjusted body; not a retry
                return self._failure(
                    request,
                    f"{self._endpoint()} rejected the request: {_describe(exc, 0)}",
                    started,
                )
            except openai.APIStatusError as exc:
                retryable = exc.status_code in _RETRY_STATUS or exc.status_code >= 500
                if not retryable or attempt >= self.max_retries:
                    message = f"{self._endpoint()} answered {_describe(exc, attempt)}"
                    return self._failure(request, message, started)
                delay = self._delay(attempt, exc.response.headers.get("retry-after"))
            except openai.APIConnectionError as exc:  # includes timeouts
                if attempt >= self.max_retries:
                    message = f"cannot reach {self._endpoint()}: {_describe(exc, attempt)}"
                    return self._failure(request, message, started)
                delay = self._delay(attempt, None)
            log.info("retrying %s in %.2fs (attempt %d)", request.request_id, delay, attempt + 1)
            time.sleep(delay)
            attempt += 1

    def _adapt_to(self, exc: Exception, body: dict[str, Any]) -> bool:
        """Switch off what a 400 says this server lacks; True if the request should be resent."""
        message = str(exc).lower()
        with self._lock:
            if "response_format" in body and (
                "response_format" in message or "json_schema" in message
            ):
                if self.structured_output:
                    log.warning(
                        "%s does not accept response_format; sending plain prompts", self.base_url
                    )
                self.structured_output = False
                return True
            if "max_tokens" in body and "max_completion_tokens" in message:
                self.max_tokens_field = "max_completion_tokens"
                return True
        return False

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff_s)
            except ValueError:
                pass
        ceiling = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)  # jitter keeps parallel retries apart

    def _failure(
        self, request: CompletionRequest, message: str, started: float
    ) -> CompletionResponse:
        return CompletionResponse.failure(
            request,
            message,
            provider=self.name,
            model=self.model,
            latency_s=time.perf_counter() - started,
        )


def _describe(exc: Exception, attempt: int) -> str:
    """``HTTP 500 after 2 attempt(s); the body starts: '...'`` (or the connection error)."""
    status = getattr(exc, "status_code", None)
    if status is None:
        return f"{type(exc).__name__} after {attempt + 1} attempt(s): {exc}"
    response = getattr(exc, "response", None)
    body = response.text if response is not None else str(exc)
    return f"HTTP {status} after {attempt + 1} attempt(s); the body starts: {_start(body)}"


def _start(text: str, length: int = 200) -> str:
    """The beginning of a reply, on one line, for an error message."""
    flat = " ".join(text.split())
    return repr(flat[:length] + ("..." if len(flat) > length else ""))


def _resolve_api_key(api_key: str | None, api_key_env: str | None, base_url: str | None) -> str:
    if api_key:
        return api_key
    if api_key_env:
        value = os.environ.get(api_key_env)
        if not value:
            raise LLMNotConfiguredError(
                f"the LLM config says the API key is in ${api_key_env}, but that variable is not set"
            )
        return value
    for variable in ("OPTMODEL_API_KEY", "OPENAI_API_KEY"):
        if os.environ.get(variable):
            return os.environ[variable]
    if base_url is None or "api.openai.com" in base_url:
        raise LLMNotConfiguredError(
            "the OpenAI API needs a key: set OPENAI_API_KEY (or OPTMODEL_API_KEY), or name the variable "
            'that holds it with api_key_env = "NAME" in the [llm] section of the optmodel config'
        )
    return "not-needed"  # vLLM, Ollama and llama.cpp servers accept any key unless told otherwise
