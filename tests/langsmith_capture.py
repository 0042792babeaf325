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
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class Captured:
    """One request the capture server received (body decompressed)."""

    method: str
    path: str
    body: bytes


_NOW = "2026-01-01T00:00:00+00:00"


def _record() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "created_at": _NOW, "modified_at": _NOW, "name": "captured"}


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
        self.datasets: dict[str, dict[str, Any]] = {}
        self.examples: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
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

    def reply(self, method: str, path: str, body: bytes) -> Any:
        """Just enough of the API for a client to create a dataset and an experiment and log to it."""
        route, _, query = path.partition("?")
        params = parse_qs(query)
        if method == "GET" and route == "/datasets":
            return [d for d in self.datasets.values() if d["name"] in params.get("name", [d["name"]])]
        if method == "GET" and route.startswith("/datasets/"):
            return self.datasets.get(route.split("/")[2], {})
        if method == "GET" and route == "/examples":
            wanted = set(params.get("dataset", []))
            offset = int(params.get("offset", ["0"])[0])
            return [e for e in self.examples if not wanted or e["dataset_id"] in wanted][offset:]
        if method == "GET" and route in ("/sessions", "/runs"):
            return []
        if method == "POST" and route == "/datasets":
            dataset = {**_record(), "description": None, "data_type": "kv", **json.loads(body)}
            self.datasets[dataset["id"]] = dataset
            return dataset
        if method == "POST" and route == "/examples/bulk":
            return self._add_examples(body)
        if method == "POST" and route == "/sessions":
            session = {**_record(), "start_time": _NOW, "tenant_id": str(uuid.uuid4()), "reference_dataset_id": None}
            session |= json.loads(body)
            self.sessions[session["id"]] = session
            return session
        if method == "PATCH" and route.startswith("/sessions/"):
            session = self.sessions.setdefault(route.split("/")[2], {})
            session |= {k: v for k, v in json.loads(body).items() if v is not None}
            return session
        if method == "POST" and route in ("/feedback", "/runs", "/runs/batch", "/runs/multipart"):
            return {**_record()} if route == "/feedback" else {}
        return {}

    def _add_examples(self, body: bytes) -> list[dict[str, Any]]:
        """Examples sent to ``/examples/bulk`` as a JSON list."""
        added = [{**_record(), "id": str(uuid.uuid4()), **example} for example in json.loads(body)]
        self.examples += added
        return added

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
                data = json.dumps(capture.reply(self.command, self.path, body)).encode()
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
