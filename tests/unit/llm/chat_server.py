"""A real HTTP server on 127.0.0.1 that speaks ``POST /v1/chat/completions``, for provider tests.

Each test installs a ``behaviour(body, call_number) -> Reply`` function; the server records every body it
received and the largest number of requests it had in flight at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] = b""
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def completion(text: str, *, model: str = "served-model") -> dict[str, Any]:
    """A well-formed chat-completion body."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


def echo(body: dict[str, Any], call: int) -> Reply:
    """Answers with the last user message, so tests can check which answer belongs to which request."""
    return Reply(body=completion("echo:" + body["messages"][-1]["content"]))


class ChatServer:
    def __init__(self) -> None:
        self.behaviour: Callable[[dict[str, Any], int], Reply] = echo
        self.bodies: list[dict[str, Any]] = []
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length))
                with server._lock:
                    server.calls += 1
                    call = server.calls
                    server.bodies.append(body)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    reply = server.behaviour(body, call)
                    time.sleep(reply.delay_s)
                    payload = reply.body
                    data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        return Handler
