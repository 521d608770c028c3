"""Offline batch inference through files: ``batch:DIR``.

``complete`` first imports every output JSONL in DIR (OpenAI Batch API output lines, which is also what
``vllm run-batch`` writes) and answers each request whose ``custom_id`` is there, error lines included
(as responses with ``error`` set). If requests remain, it writes them to ``DIR/requests-NNNN.jsonl`` in
the OpenAI Batch API input format and raises :class:`optmodel.errors.PendingBatchError`, whose message says
exactly what to run and where to put the output. Running the same command again continues; each round
exports only what is still unanswered, so repair loops that ask new questions take several rounds.

The ``custom_id`` is a stable hash of the request (content and model), so answers find their requests
in any later run, whatever order the requests come in.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from optmodel.atomic_files import write_atomically
from optmodel.errors import LLMError, PendingBatchError
from optmodel.llm.providers.answer_files import AnswerIndex, json_lines, malformed
from optmodel.llm.providers.openai_format import (
    ChatCompletion,
    MalformedResponse,
    NoAnswer,
    chat_body,
    read_chat_completion,
    to_response,
)
from optmodel.llm.types import CompletionRequest, CompletionResponse, request_fingerprint

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock; threads are still serialised
    fcntl = None  # type: ignore[assignment]

ENDPOINT = "/v1/chat/completions"
# The model name written into request bodies when none is configured: vLLM then needs
# --served-model-name with it, and the OpenAI Batch API a real name (model = "..." in [llm.batch]).
DEFAULT_MODEL = "optmodel-batch"
_REQUEST_FILE = re.compile(r"^requests-(\d+)\.jsonl$")


class BatchFileProvider:
    """Writes requests as batch JSONL and reads answers back from batch output JSONL."""

    name = "batch"

    def __init__(
        self,
        directory: str | Path,
        *,
        model: str = DEFAULT_MODEL,
        structured_output: bool = True,
        strict_schema: bool = False,
    ) -> None:
        if not model:
            raise ValueError("the batch provider needs the model name to put in each request body")
        self.directory = Path(directory)
        self.model = model
        self.structured_output = structured_output
        self.strict_schema = strict_schema
        self._lock = threading.Lock()

    def cache_identity(self) -> dict[str, Any]:
        """What besides the request decides an answer: the folder the answers come from, the body's shape."""
        return {
            "directory": str(self.directory.resolve()),
            "structured_output": self.structured_output,
            "strict_schema": self.strict_schema,
        }

    def custom_id(self, request: CompletionRequest) -> str:
        """The id that links a request line to its output line."""
        return "optmodel-" + request_fingerprint(request, provider=self.name, model=self.model)[:40]

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Answer from imported outputs, or export what is missing and raise PendingBatchError."""
        # Parallel callers (threads, or processes sharing DIR) would both number their round 0001
        # and one would replace the other's requests: one caller at a time reads and exports.
        with self._lock, _directory_lock(self.directory):
            return self._complete(requests)

    def _complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        answers = self._import_outputs()
        ids = [self.custom_id(r) for r in requests]
        missing = {cid: r for cid, r in zip(ids, requests, strict=True) if cid not in answers}
        if not missing:
            return [self._response(r, answers[cid]) for cid, r in zip(ids, requests, strict=True)]
        exported = self._exported()
        # A round whose file got no answer at all has not been run yet: wait for it, do not re-export.
        unrun = {path for path, cids in exported.items() if not any(c in answers for c in cids)}
        waiting = {c for path in unrun for c in exported[path]}
        new = [r for cid, r in missing.items() if cid not in waiting]
        # Every unrun file is named, not only this call's: a caller that gathers several callers'
        # requests into one round (bench with several methods) re-raises the last error for all.
        pending = sorted(unrun)
        if new:
            pending.append(self._write_round(new))
        count = len(waiting) + len(new)
        raise PendingBatchError(self._instructions(count, pending))

    # -- export ------------------------------------------------------------------------------------

    def _exported(self) -> dict[Path, set[str]]:
        exported: dict[Path, set[str]] = {}
        for path in self._request_files():
            ids = set()
            for place, item in json_lines(path, "batch request"):
                if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                    raise LLMError(f"{place} is not a batch request line (no 'custom_id' string)")
                ids.add(item["custom_id"])
            exported[path] = ids
        return exported

    def _request_files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if _REQUEST_FILE.match(p.name))

    def _write_round(self, requests: list[CompletionRequest]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        numbers = [
            int(m.group(1)) for p in self._request_files() if (m := _REQUEST_FILE.match(p.name))
        ]
        path = self.directory / f"requests-{max(numbers, default=0) + 1:04d}.jsonl"
        lines = []
        for request in requests:
            body = chat_body(
                request,
                self.model,
                structured_output=self.structured_output,
                strict_schema=self.strict_schema,
            )
            line = {
                "custom_id": self.custom_id(request),
                "method": "POST",
                "url": ENDPOINT,
                "body": body,
            }
            lines.append(json.dumps(line, ensure_ascii=False) + "\n")
        write_atomically(path, "".join(lines))  # never leave a half-written round behind
        return path

    def _instructions(self, count: int, pending: list[Path]) -> str:
        lines = [
            f"{count} LLM request(s) must be run offline before this run can continue.",
            "Run each request file below with vLLM:",
        ]
        placeholder = self.model == DEFAULT_MODEL
        model = "MODEL_NAME_OR_PATH" if placeholder else self.model
        served = f" --served-model-name {DEFAULT_MODEL}" if placeholder else ""
        for path in pending:
            output = path.with_name(path.name.replace("requests-", "responses-"))
            lines.append(f"  vllm run-batch -i {path} -o {output} --model {model}{served}")
        lines += [
            "or with the OpenAI Batch API: upload each file (purpose 'batch', endpoint "
            f"{ENDPOINT}), and when the batch completes save its output file, and its error file if "
            f"any, as .jsonl files in {self.directory}/ (e.g. responses-0001.jsonl, errors-0001.jsonl).",
            f"Then run the same command again: every output .jsonl in {self.directory}/ is read, "
            "answered requests are used, and only requests still unanswered are written as a new round.",
        ]
        if placeholder:
            lines.append(
                f"(No model is configured, so the files name the model {DEFAULT_MODEL!r}; for the OpenAI "
                'Batch API first set model = "gpt-4o-mini" (say) in [llm.batch] of the config.)'
            )
        return "\n".join(lines)

    # -- import ------------------------------------------------------------------------------------

    def _import_outputs(self) -> dict[str, Answer]:
        """custom_id -> answer, from every output JSONL in the directory; successes win over failures.

        Two different successful answers for one custom_id, or any malformed line, raise LLMError
        naming the file(s) and line(s).
        """
        successes: AnswerIndex[ChatCompletion] = AnswerIndex.empty("batch output")
        failures: dict[str, str] = {}
        if not self.directory.is_dir():
            return {}
        for path in sorted(self.directory.glob("*.jsonl")):
            if _REQUEST_FILE.match(path.name) or path.name.startswith("."):
                continue  # our request rounds, and hidden files (one being written)
            for place, entry in json_lines(path, "batch output"):
                try:
                    custom_id, answer = _read_output_line(entry)
                except MalformedResponse as exc:
                    raise malformed(place, "batch output", exc) from exc
                if isinstance(answer, str):
                    failures.setdefault(custom_id, answer)
                else:
                    successes.add(custom_id, answer, place)
        return failures | {key: value for key, (value, _) in successes.answers.items()}

    def _response(self, request: CompletionRequest, answer: Answer) -> CompletionResponse:
        if isinstance(answer, str):
            return CompletionResponse.failure(request, answer, provider=self.name, model=self.model)
        return to_response(answer, request, provider=self.name, model=self.model)


# A successful answer, or why the request failed.
Answer = ChatCompletion | str


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on DIR/.lock across processes (where fcntl exists)."""
    if fcntl is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_output_line(entry: Any) -> tuple[str, Answer]:
    """(custom_id, answer) of one batch output line; MalformedResponse if it has the wrong shape."""
    if not isinstance(entry, dict):
        raise MalformedResponse(f"expected a JSON object, got {type(entry).__name__}")
    custom_id = entry.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise MalformedResponse("it has no 'custom_id' string")
    error = entry.get("error")
    if error:
        message = error.get("message", error) if isinstance(error, dict) else error
        return custom_id, f"batch request failed: {message}"
    response = entry.get("response")
    if not isinstance(response, dict):
        raise MalformedResponse("it has neither an 'error' nor a 'response' object")
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        detail = body.get("error", body) if isinstance(body, dict) else body
        return custom_id, f"batch request failed with HTTP {status}: {detail}"
    try:
        return custom_id, read_chat_completion(body)
    except NoAnswer as exc:
        return custom_id, f"the batch answer has no text: {exc}"
