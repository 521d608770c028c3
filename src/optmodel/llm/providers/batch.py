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

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optmodel.errors import LLMError, PendingBatchError
from optmodel.llm.providers.openai_format import MalformedResponse, chat_body, parse_chat_completion
from optmodel.llm.types import CompletionRequest, CompletionResponse, request_fingerprint

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

    def custom_id(self, request: CompletionRequest) -> str:
        """The id that links a request line to its output line."""
        return "optmodel-" + request_fingerprint(request, provider=self.name, model=self.model)[:40]

    def complete(self, requests: Sequence[CompletionRequest]) -> list[CompletionResponse]:
        """Answer from imported outputs, or export what is missing and raise PendingBatchError."""
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
        pending = sorted(path for path in unrun if any(c in missing for c in exported[path]))
        if new:
            pending.append(self._write_round(new))
        raise PendingBatchError(self._instructions(len(missing), pending))

    # -- export ------------------------------------------------------------------------------------

    def _exported(self) -> dict[Path, set[str]]:
        exported: dict[Path, set[str]] = {}
        for path in self._request_files():
            ids = set()
            for number, line in _lines(path):
                try:
                    ids.add(str(json.loads(line)["custom_id"]))
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise LLMError(f"{path}:{number} is not a batch request line ({exc})") from exc
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
        partial = path.with_suffix(".jsonl.partial")  # never leave a half-written round behind
        partial.write_text("".join(lines), encoding="utf-8")
        partial.replace(path)
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

    def _import_outputs(self) -> dict[str, dict[str, Any]]:
        """custom_id -> output line, from every output JSONL in the directory; successes win."""
        answers: dict[str, dict[str, Any]] = {}
        if not self.directory.is_dir():
            return answers
        for path in sorted(self.directory.glob("*.jsonl")):
            if _REQUEST_FILE.match(path.name):
                continue
            for number, line in _lines(path):
                try:
                    entry = json.loads(line)
                    custom_id = str(entry["custom_id"])
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise LLMError(
                        f"{path}:{number} is not a batch output line ({exc}); fix or delete that line"
                    ) from exc
                if custom_id not in answers or _failed(answers[custom_id]):
                    answers[custom_id] = entry
        return answers

    def _response(self, request: CompletionRequest, entry: dict[str, Any]) -> CompletionResponse:
        error = _failed(entry)
        if error:
            return CompletionResponse.failure(request, error, provider=self.name, model=self.model)
        try:
            return parse_chat_completion(
                entry["response"].get("body"), request, provider=self.name, model=self.model
            )
        except MalformedResponse as exc:
            return CompletionResponse.failure(
                request, f"malformed batch output: {exc}", provider=self.name, model=self.model
            )


def _failed(entry: dict[str, Any]) -> str | None:
    """Why an output line is a failure, or None if it holds a 200 response."""
    error = entry.get("error")
    if error:
        message = error.get("message", error) if isinstance(error, dict) else error
        return f"batch request failed: {message}"
    response = entry.get("response")
    if not isinstance(response, dict):
        return "batch output line has neither a response nor an error"
    status = response.get("status_code")
    if status != 200:
        body = response.get("body")
        detail = body.get("error", body) if isinstance(body, dict) else body
        return f"batch request failed with HTTP {status}: {detail}"
    return None


def _lines(path: Path) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(n, line) for n, line in enumerate(handle, start=1) if line.strip()]
