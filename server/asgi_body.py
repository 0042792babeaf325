"""A request body in pure ASGI middleware: read it once, hand it on, and parse its JSON once per request.

Several guards (input checks, run checks, state redaction) each need the whole body before the app sees it. They
read it here, replay it to the app, and share the parsed JSON through the scope, so a body that no guard changed is
parsed once however many guards look at it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Scope

_PARSED = "support.json_body"


class BodyTooLarge(Exception):
    """The body passed the limit; ``args[0]`` is the limit in bytes."""


async def read_body(receive: Receive, *, limit: int | None = None) -> bytes | None:
    """The whole body; None when the client went away; BodyTooLarge past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def replay(raw: bytes, receive: Receive) -> Receive:
    """A receive that hands the app ``raw`` as the whole body, then the client's own messages."""
    replayed = False

    async def receive_again() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return receive_again


def with_content_length(scope: Scope, body: bytes) -> Scope:
    """``scope`` with its content-length header set for ``body``."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


def remember_json(scope: Scope, raw: bytes, body: Any) -> None:
    """Record that ``raw`` parses to ``body``, for the guards further in."""
    scope[_PARSED] = (raw, body)


def json_body(scope: Scope, raw: bytes) -> Any:
    """``raw`` parsed as JSON (None when empty or malformed), from the scope when an outer guard parsed it."""
    known = scope.get(_PARSED)
    if known is not None and known[0] == raw:
        return known[1]
    try:
        body = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    remember_json(scope, raw, body)
    return body


def rewritten(scope: Scope, body: Any) -> tuple[Scope, bytes]:
    """The scope and raw bytes for a body a guard changed (remembered as parsed)."""
    raw = json.dumps(body).encode()
    scope = with_content_length(scope, raw)
    remember_json(scope, raw, body)
    return scope, raw
