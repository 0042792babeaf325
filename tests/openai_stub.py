"""A scripted OpenAI-compatible chat server on loopback: the one fake model, reached over real HTTP.

Each request to ``POST /v1/chat/completions`` is recorded and answered by the next scripted :class:`Reply` for its
kind (``intent``, ``memory``, ``summary`` or ``answer``, read from the request), or by that kind's default when
the script is empty. Replies stream as SSE when the client asks for ``stream``. Faults are replies too: an HTTP
status with headers, a hang, a malformed tool call, a ``length`` or ``content_filter`` finish.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Kind = Literal["intent", "memory", "summary", "answer"]


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    """One tool call in a reply; ``arguments`` is sent verbatim (so it may be malformed JSON)."""

    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted response."""

    content: str = ""
    tool_calls: tuple[ToolCallSpec, ...] = ()
    finish_reason: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    hang_s: float = 0.0
    """Sleep this long before answering (a hung model: longer than the client waits)."""
    usage: tuple[int, int, int] | None = None
    """(prompt, completion, cached prompt) tokens; None = counted from the request and the reply."""


def tool_call(name: str, **args: Any) -> ToolCallSpec:
    """A well-formed tool call."""
    return ToolCallSpec(name, json.dumps(args))


def error(status: int, *, retry_after: float | None = None) -> Reply:
    """An HTTP error response (429 with ``Retry-After`` when given)."""
    headers = (("Retry-After", f"{retry_after:g}"),) if retry_after is not None else ()
    return Reply(status=status, headers=headers)


DEFAULTS: dict[Kind, Reply] = {
    "intent": Reply(content=json.dumps({"intent": "out_of_scope", "confidence": 0.9})),
    "memory": Reply(content=json.dumps({"facts": []})),
    "summary": Reply(content="The customer asked earlier questions that were answered."),
    "answer": Reply(content="Here is my answer."),
}


def kind_of(body: dict[str, Any]) -> Kind:
    """Which internal call a request is, from its structured-output schema or its prompt."""
    schema = json.dumps(body.get("response_format") or {}) + json.dumps(body.get("tools") or [])
    if "IntentChoice" in schema:
        return "intent"
    if "ExtractedFacts" in schema:
        return "memory"
    first = body.get("messages", [{}])[0]
    if first.get("role") == "user" and "summar" in str(first.get("content", "")).lower():
        return "summary"
    return "answer"


@dataclass
class Recorded:
    """A request as the stub received it."""

    kind: Kind
    body: dict[str, Any]
    at: float


@dataclass
class OpenAIStub:
    """The server; use as a context manager, then ``base_url`` as OPENAI_BASE_URL."""

    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    defaults: dict[Kind, Reply] = field(default_factory=lambda: dict(DEFAULTS))
    """What each kind answers once its script is empty."""
    _scripts: dict[Kind, deque[Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (``.../v1``)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, kind: Kind, *replies: Reply) -> None:
        """Queue replies for ``kind`` (answered in order, then the default)."""
        with self._lock:
            self._scripts.setdefault(kind, deque()).extend(replies)

    def unscript(self, kind: Kind) -> None:
        """Drop the replies still queued for ``kind`` (a client that gave up early did not take them all)."""
        with self._lock:
            self._scripts.pop(kind, None)

    def of_kind(self, kind: Kind) -> list[Recorded]:
        """The recorded requests of one kind, in order."""
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def _next(self, body: dict[str, Any]) -> tuple[Kind, Reply]:
        kind = kind_of(body)
        with self._lock:
            self.requests.append(Recorded(kind, body, time.monotonic()))
            queue = self._scripts.get(kind)
            return kind, (queue.popleft() if queue else self.defaults[kind])

    def __enter__(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
                """Quiet: the tests assert on recorded requests, not on logs."""

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                _, reply = stub._next(body)
                if reply.hang_s and stub._stop.wait(reply.hang_s):
                    return
                if reply.status != 200:
                    message = {"error": {"message": f"scripted {reply.status}", "type": "server_error", "code": None}}
                    self._send(reply.status, message, reply.headers)
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._send(200, completion(body, reply))

            def _send(self, status: int, payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in chunks(body, reply):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="openai-stub", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    if reply.usage is not None:
        prompt, completion_tokens, cached = reply.usage
    else:
        prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
        completion_tokens = max(1, len(reply.content) // 4 + 8 * len(reply.tool_calls))
        cached = 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def _finish(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{uuid.uuid4().hex[:12]}",
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments},
        }
        for c in reply.tool_calls
    ]


def completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "message": message, "finish_reason": _finish(reply), "logprobs": None}],
        "usage": _usage(body, reply),
    }


def chunks(body: dict[str, Any], reply: Reply) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed reply: words, tool calls, finish, then usage."""
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    words = reply.content.split(" ")
    for i, word in enumerate(words if reply.content else []):
        yield chunk({"content": word if i == len(words) - 1 else word + " "})
    for index, call in enumerate(_calls(reply)):
        yield chunk({"tool_calls": [{"index": index, **call}]})
    yield chunk({}, _finish(reply))
    if (body.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": _usage(body, reply)}
