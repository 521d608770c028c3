"""A local Hugging Face model (``hf:NAME_OR_PATH``), with real batched generation. Needs ``optmodel[hf]``.

Requests are sorted by prompt length and cut into batches of ``batch_size`` so that little padding is
wasted; prompts are LEFT-padded (decoder-only models continue from the right end) and the answers go back
in the caller's order. bf16 on GPU, float32 on CPU unless ``dtype`` says otherwise. Temperature 0 is
greedy; otherwise tokens are sampled from a generator seeded per request (``seed`` mixed with
``sample_index``; a request without a seed gets one derived from its content, so re-runs repeat).
``json_schema`` requests are decoded under a JSON-Schema grammar and always end in a complete document
within ``max_tokens`` (see token_constraint).

Chat prompts use the tokenizer's chat template. A tokenizer without one gets :data:`FALLBACK_CHAT_TEMPLATE`:
each message as ``<|role|>\\ncontent\\n``, then ``<|assistant|>\\n``, after the BOS token if there is one.

The model's own ``generation_config`` defaults (sampling, repetition penalty) are ignored on purpose: the
request's parameters are the only ones that apply.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from optmodel.errors import LLMError, MissingExtraError
from optmodel.llm.providers.hf_decoding import (
    RowPlan,
    RowwiseLogitsProcessor,
    decoder_identity,
    installed_version,
)
from optmodel.llm.providers.token_constraint import (
    RowConstraint,
    SchemaConstraint,
    TokenVocabulary,
)
from optmodel.llm.types import (
    CompletionRequest,
    CompletionResponse,
    Usage,
    canonical_json,
    derive_seed,
    request_fingerprint,
)

log = logging.getLogger(__name__)

FALLBACK_CHAT_TEMPLATE = (
    "<|{role}|>\n{content}\n"  # per message; the prompt ends with "<|assistant|>\n"
)
_DTYPES = ("auto", "float32", "bfloat16", "float16")
_MAX_SCHEMAS = 4


@dataclass
class _Prepared:
    index: int
    request: CompletionRequest
    prompt_ids: list[int]
    max_new_tokens: int
    schema: SchemaConstraint | None


class TransformersProvider:
    """Local generation with transformers.

    >>> provider = TransformersProvider("Qwen/Qwen2.5-0.5B-Instruct", batch_size=16)  # doctest: +SKIP
    >>> provider.complete([CompletionRequest((ChatMessage("user", "2+2?"),), max_tokens=8)])  # doctest: +SKIP
    """

    name = "hf"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        device_map: str | dict[str, Any] | None = None,
        dtype: str = "auto",
        batch_size: int = 8,
        max_new_tokens: int | None = None,
        ignore_eos: bool = False,
        trust_remote_code: bool = False,
        grammar_memory_mib: int = 256,
    ) -> None:
        if not model:
            raise ValueError("TransformersProvider needs a model name or path")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if max_new_tokens is not None and max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if grammar_memory_mib < 1:
            raise ValueError(f"grammar_memory_mib must be >= 1, got {grammar_memory_mib}")
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
        for package in ("torch", "transformers"):  # fail now, not at the first request
            if importlib.util.find_spec(package) is None:
                raise MissingExtraError(package, "hf", "local Hugging Face models")
        self.model = model
        self.device = device
        self.device_map = device_map
        self.dtype = dtype
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens  # a cap on every request's max_tokens (None: no cap)
        self.ignore_eos = ignore_eos  # generate exactly max_tokens tokens (benchmarks)
        self.trust_remote_code = trust_remote_code
        # Bound on the compiled schemas' grammar state, all schemas together (the least recently used
        # of _MAX_SCHEMAS is dropped).
        self.grammar_memory_mib = grammar_memory_mib
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None
        self._vocabulary: TokenVocabulary | None = None
        self._grammars: OrderedDict[str, SchemaConstraint] = OrderedDict()
        self._eos_ids: list[int] = []
        self._resolved: tuple[str, str] | None = None  # (device, dtype), "auto" resolved

    def cache_identity(self) -> dict[str, Any]:
        """What besides the request decides an answer: the weights, how and where they run, the decoder.

        ``auto`` device and dtype are resolved (bf16 on a GPU, float32 on a CPU answer differently), and
        the torch and transformers versions count: their kernels decide greedy ties.
        """
        device, dtype = self._device_and_dtype()
        return {
            "model": self.model,
            "dtype": dtype,
            "device": device,
            "device_map": self.device_map,
            "trust_remote_code": self.trust_remote_code,
            "max_new_tokens": self.max_new_tokens,
            "ignore_eos": self.ignore_eos,
            "libraries": {p: installed_version(p) for p in ("torch", "transformers")},
            "constrained_decoding": decoder_identity(self.grammar_memory_mib),
        }

    def _device_and_dtype(self) -> tuple[str, str]:
        """``device`` and ``dtype`` with ``auto`` resolved for this machine."""
        if self._resolved is None:
            torch, _ = _import_hf()
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            dtype = self.dtype
            if dtype == "auto":
                dtype = "bfloat16" if device.startswith("cuda") else "float32"
            self._resolved = (device, dtype)
        return self._resolved

    # -- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the tokenizer and model now (otherwise the first ``complete`` does)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> tuple[Any, Any]:
        if self._loaded is not None:
            return self._loaded
        torch, transformers = _import_hf()
        device, dtype_name = self._device_and_dtype()
        kwargs: dict[str, Any] = {"trust_remote_code": self.trust_remote_code}
        kwargs["dtype" if _transformers_at_least(transformers, 4, 56) else "torch_dtype"] = getattr(
            torch, dtype_name
        )
        if self.device_map is not None:
            try:
                import accelerate  # noqa: F401  # transformers needs it for device_map
            except ImportError as exc:
                raise LLMError(
                    "device_map needs the accelerate package: pip install accelerate"
                ) from exc
            kwargs["device_map"] = self.device_map
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                self.model, trust_remote_code=self.trust_remote_code
            )
            model = transformers.AutoModelForCausalLM.from_pretrained(self.model, **kwargs)
        except (OSError, ValueError) as exc:
            raise LLMError(
                f"could not load the model {self.model!r}: {exc}\n"
                "Give a local directory holding a transformers model, or a Hugging Face Hub name that "
                "is in the local cache or can be downloaded."
            ) from exc
        if self.device_map is None:
            model = model.to(device)
        model.eval()
        eos_ids = _eos_ids(tokenizer, model)
        if not eos_ids:
            raise LLMError(f"the model {self.model!r} defines no end-of-sequence token")
        if tokenizer.pad_token_id is None:  # left padding needs an explicit pad token
            tokenizer.pad_token = tokenizer.convert_ids_to_tokens(eos_ids[0])
        # Replace the shipped defaults (sampling, repetition penalty): the request decides.
        model.generation_config = transformers.GenerationConfig(
            eos_token_id=eos_ids,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
        )
        self._eos_ids = eos_ids
        self._loaded = (tokenizer, model)
        return self._loaded

    # -- public API ------------------------------------------------------------------------------

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Generate every request in length-sorted batches; answers come back in the caller's order."""
        if not requests:
            return []
        with self._lock:
            tokenizer, model = self._load_locked()
            results: list[CompletionResponse | None] = [None] * len(requests)
            ready: list[_Prepared] = []
            for index, request in enumerate(requests):
                prepared = self._prepare(index, request, tokenizer, model)
                if isinstance(prepared, CompletionResponse):
                    results[index] = prepared
                else:
                    ready.append(prepared)
            # Longest first: padding stays small and an out-of-memory shows up in the first batch.
            ready.sort(key=lambda p: -len(p.prompt_ids))
            for start in range(0, len(ready), self.batch_size):
                chunk = ready[start : start + self.batch_size]
                for item, response in zip(chunk, self._run_chunk(chunk), strict=True):
                    results[item.index] = response
        return [r for r in results if r is not None]

    def prepare_schema(self, schema: dict[str, Any]) -> SchemaConstraint:
        """Compile ``schema`` for this model's vocabulary now (otherwise its first request does).

        Raises ValueError for a schema the constrained decoder does not support.
        """
        with self._lock:
            return self._schema_constraint(schema)

    # -- internals -------------------------------------------------------------------------------

    def _prepare(
        self, index: int, request: CompletionRequest, tokenizer: Any, model: Any
    ) -> _Prepared | CompletionResponse:
        try:
            prompt_ids = self._prompt_ids(request, tokenizer)
        except (
            Exception
        ) as exc:  # templates reject some message orders; report it on this request only
            return self._failure(request, f"could not apply the chat template: {exc}")
        limit = request.max_tokens
        if self.max_new_tokens is not None:
            limit = min(limit, self.max_new_tokens)
        context = getattr(model.config, "max_position_embeddings", None)
        if context is not None:  # generation stops where the context ends
            if len(prompt_ids) >= context:
                return self._failure(
                    request,
                    f"the prompt has {len(prompt_ids)} tokens; the model's context holds {context}",
                )
            limit = min(limit, context - len(prompt_ids))
        schema = None
        if request.json_schema is not None:
            try:
                schema = self._schema_constraint(request.json_schema)
            except ValueError as exc:
                return self._failure(request, f"unsupported JSON schema: {exc}")
            shortest = schema.cost(schema.grammar.initial_state())
            if shortest > limit:
                return self._failure(
                    request,
                    f"max_tokens={limit} is too small for the JSON schema: its shortest valid "
                    f"document has {shortest} bytes",
                )
        return _Prepared(index, request, prompt_ids, limit, schema)

    def _prompt_ids(self, request: CompletionRequest, tokenizer: Any) -> list[int]:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        if getattr(tokenizer, "chat_template", None):
            text = tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        else:
            text = (tokenizer.bos_token or "") + "".join(
                FALLBACK_CHAT_TEMPLATE.format(role=m["role"], content=m["content"])
                for m in messages
            )
            text += "<|assistant|>\n"
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def _schema_constraint(self, schema: dict[str, Any]) -> SchemaConstraint:
        tokenizer, model = self._load_locked()
        key = canonical_json(schema)
        compiled = self._grammars.get(key)
        if compiled is not None:
            self._grammars.move_to_end(key)
            return compiled
        if self._vocabulary is None:
            size = model.get_output_embeddings().weight.shape[0]
            self._vocabulary = TokenVocabulary.from_tokenizer(tokenizer, size, self._eos_ids)
        compiled = SchemaConstraint(
            schema, self._vocabulary, memory_mib=max(self.grammar_memory_mib // _MAX_SCHEMAS, 1)
        )
        self._grammars[key] = compiled
        if len(self._grammars) > _MAX_SCHEMAS:
            self._grammars.popitem(last=False)
        return compiled

    def _run_chunk(self, chunk: list[_Prepared]) -> list[CompletionResponse]:
        torch, _ = _import_hf()
        started = time.perf_counter()
        try:
            return self._generate(chunk)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            if len(chunk) == 1:
                return [self._failure(chunk[0].request, "out of GPU memory even at batch size 1")]
            log.warning("out of GPU memory at batch size %d; splitting the batch", len(chunk))
            half = len(chunk) // 2
            return self._run_chunk(chunk[:half]) + self._run_chunk(chunk[half:])
        except RuntimeError as exc:
            log.exception("generation failed for a batch of %d", len(chunk))
            elapsed = time.perf_counter() - started
            return [self._failure(p.request, f"generation failed: {exc}", elapsed) for p in chunk]

    def _generate(self, chunk: list[_Prepared]) -> list[CompletionResponse]:
        torch, transformers = _import_hf()
        tokenizer, model = self._loaded  # type: ignore[misc]
        started = time.perf_counter()
        width = max(len(p.prompt_ids) for p in chunk)
        input_ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, item in enumerate(chunk):  # left padding
            input_ids[row, width - len(item.prompt_ids) :] = torch.tensor(item.prompt_ids)
            attention[row, width - len(item.prompt_ids) :] = 1
        plans = [self._plan(item) for item in chunk]
        longest = max(p.max_new_tokens for p in plans)
        processors = []
        if any(p.needs_control or p.max_new_tokens != longest for p in plans):
            processors.append(
                RowwiseLogitsProcessor(
                    plans,
                    prompt_length=width,
                    eos_ids=self._eos_ids,
                    decode=lambda ids: tokenizer.decode(ids, skip_special_tokens=True),
                )
            )
        config = transformers.GenerationConfig(
            max_new_tokens=longest,
            do_sample=False,
            num_beams=1,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=self._eos_ids,
        )
        device = model.device
        with torch.inference_mode():
            output = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                generation_config=config,
                logits_processor=transformers.LogitsProcessorList(processors),
            )
        new_tokens = output[:, width:].tolist()
        elapsed = time.perf_counter() - started
        return [
            self._response(item, plan, tokens, tokenizer, elapsed)
            for item, plan, tokens in zip(chunk, plans, new_tokens, strict=True)
        ]

    def _plan(self, item: _Prepared) -> RowPlan:
        request = item.request
        seed = request.effective_seed()
        if seed is None:
            seed = derive_seed(request_fingerprint(request))
        return RowPlan(
            max_new_tokens=item.max_new_tokens,
            temperature=request.temperature,
            top_p=request.top_p,
            seed=seed,
            stop=request.stop,
            constraint=None if item.schema is None else RowConstraint(item.schema),
            ignore_eos=self.ignore_eos and item.schema is None,
        )

    def _response(
        self, item: _Prepared, plan: RowPlan, tokens: list[int], tokenizer: Any, elapsed: float
    ) -> CompletionResponse:
        ended = next((i for i, t in enumerate(tokens) if t in self._eos_ids), len(tokens))
        kept = tokens[: min(ended, item.max_new_tokens)]
        text = tokenizer.decode(kept, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        finish = "stop" if ended < item.max_new_tokens else "length"
        cut = min((text.find(s) for s in item.request.stop if s in text), default=-1)
        if cut >= 0:
            text, finish = text[:cut], "stop"
        error = None
        if plan.broken_constraint:
            error = "constrained decoding lost track of the JSON grammar (tokenizer mismatch?)"
        return CompletionResponse(
            request_id=item.request.request_id,
            text=text,
            usage=Usage(prompt_tokens=len(item.prompt_ids), completion_tokens=len(kept)),
            latency_s=elapsed,
            model=self.model,
            provider=self.name,
            finish_reason="error" if error else finish,
            error=error,
        )

    def _failure(
        self, request: CompletionRequest, message: str, latency_s: float = 0.0
    ) -> CompletionResponse:
        return CompletionResponse.failure(
            request, message, provider=self.name, model=self.model, latency_s=latency_s
        )


def _import_hf() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingExtraError(
            exc.name or "transformers", "hf", "local Hugging Face models"
        ) from exc
    return torch, transformers


def _transformers_at_least(transformers: Any, major: int, minor: int) -> bool:
    parts = str(transformers.__version__).split(".")
    try:
        return (int(parts[0]), int(parts[1])) >= (major, minor)
    except (IndexError, ValueError):
        return True


def _eos_ids(tokenizer: Any, model: Any) -> list[int]:
    """The tokenizer's EOS first, then any others the model's generation config names."""
    found: list[int] = []
    if tokenizer.eos_token_id is not None:
        found.append(int(tokenizer.eos_token_id))
    configured = getattr(model.generation_config, "eos_token_id", None)
    for token in configured if isinstance(configured, list) else [configured]:
        if token is not None and int(token) not in found:
            found.append(int(token))
    return found
