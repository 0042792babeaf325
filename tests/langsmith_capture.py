"""A loopback HTTP server that stands in for the LangSmith API and keeps every payload it is sent (real HTTP).

Point ``LANGSMITH_ENDPOINT`` at :attr:`LangSmithCapture.url`; traces (``/runs/multipart``, ``/runs/batch``),
datasets and experiments arrive as requests, answered with small JSON objects so the client carries on.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Captured:
    """One request the capture server received (body decompressed)."""

    method: str
    path: str
    body: bytes


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    return body


class LangSmithCapture:
    """Records requests on a free loopback port while used as a context manager."""

    def __init__(self) -> None:
        """Not listening until entered."""
        self.requests: list[Captured] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The endpoint to give ``LANGSMITH_ENDPOINT``."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def payloads(self, path_part: str = "") -> bytes:
        """Every body received on a path containing ``path_part``, joined."""
        with self._lock:
            return b"\n".join(r.body for r in self.requests if path_part in r.path)

    def __enter__(self) -> LangSmithCapture:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
                """Quiet."""

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = _decoded(self.rfile.read(length), self.headers.get("Content-Encoding"))
                with capture._lock:
                    capture.requests.append(Captured(self.command, self.path, body))
                self._answer(body)

            def _answer(self, body: bytes) -> None:
                reply: Any = {}
                if self.command == "GET" and self.path.startswith(("/datasets", "/sessions", "/examples")):
                    reply = []
                elif self.command == "POST" and not self.path.startswith("/runs"):
                    reply = {"id": str(uuid.uuid4()), "name": "captured", "tenant_id": str(uuid.uuid4())}
                    if body.startswith(b"{"):
                        reply = {**json.loads(body), **reply}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _record  # noqa: N815 - the stdlib's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="langsmith-capture", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop listening."""
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
