"""Fixtures for the benchmark tests: the shared normalized datasets and a loopback file server."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[4] / "shared" / "datasets"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The published normalized datasets (read-only); tests needing them skip where absent."""
    if not (SHARED_DATASETS / "MANIFEST.json").is_file():
        pytest.skip("the normalized datasets are not available in ../shared/datasets")
    return SHARED_DATASETS


@dataclass
class FileServer:
    """A loopback HTTP server: ``files`` maps URL paths to bytes; ``fail`` maps paths to a status."""

    base_url: str
    files: dict[str, bytes] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    """Serve ``FileServer.files`` on 127.0.0.1 at an ephemeral port for the test's duration."""
    state = FileServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.unquote(self.path)
            state.requests.append(path)
            if path in state.fail:
                self.send_error(state.fail[path])
                return
            data = state.files.get(path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
