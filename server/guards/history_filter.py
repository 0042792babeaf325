"""The ``metadata`` filter of a thread's history, which Aegra 0.11 passes to LangGraph under a name it does not take.

Aegra calls ``aget_state_history(..., metadata=...)`` (LangGraph's keyword is ``filter``), so any filter, even
``{}``, was a 500. Here an empty filter is dropped, and a non-empty one is honoured in front of Aegra: the
history is read page by page without the filter and the states whose metadata contains it (Postgres ``@>``
semantics, as LangGraph's checkpointer applies it) are kept, newest first, up to ``limit``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.asgi_body import replay, with_content_length
from server.errors import send_json_error

HISTORY_PATH = re.compile(r"^/threads/[^/]+/history/?$")
PAGE_SIZE = 100
MAX_SCANNED = 10_000
"""Checkpoints read at most for one filtered history request (newest first, from ``before``)."""


def json_contains(document: Any, pattern: Any) -> bool:
    """Whether ``document`` contains ``pattern`` as Postgres ``jsonb @>`` decides."""
    if isinstance(pattern, dict):
        return isinstance(document, dict) and all(
            key in document and json_contains(document[key], value) for key, value in pattern.items()
        )
    if isinstance(pattern, list):
        if not isinstance(document, list):
            return False
        return all(any(json_contains(item, wanted) for item in document) for wanted in pattern)
    if isinstance(pattern, bool) or isinstance(document, bool):
        return type(pattern) is type(document) and pattern == document
    return bool(document == pattern)


@dataclass(slots=True)
class Page:
    """One response of Aegra's history route."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


async def _call(app: ASGIApp, scope: Scope, receive_more: Receive, body: bytes) -> Page:
    start: Message = {}
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    # After the body, the client's own receive: it blocks until the client disconnects.
    await app(scope, replay(body, receive_more), send)
    return Page(start.get("status", 500), list(start.get("headers", [])), b"".join(chunks))


def without_params(pairs: list[tuple[str, str]], names: set[str]) -> bytes:
    """A query string of ``pairs`` without the parameters called ``names``."""
    return urlencode([(name, value) for name, value in pairs if name not in names]).encode()


def post_pages(app: ASGIApp, scope: Scope, receive: Receive, body: dict[str, Any]) -> Callable[[Any], Awaitable[Page]]:
    """Fetch pages of a POST history request: the body without its filter, ``before`` set per page."""

    async def fetch(before: Any) -> Page:
        page_body = {**body, "limit": PAGE_SIZE, "before": before}
        page_body.pop("metadata", None)
        raw = json.dumps(page_body).encode()
        return await _call(app, with_content_length(scope, raw), receive, raw)

    return fetch


def get_pages(
    app: ASGIApp, scope: Scope, receive: Receive, pairs: list[tuple[str, str]]
) -> Callable[[Any], Awaitable[Page]]:
    """Fetch pages of a GET history request: the query without its filter, ``before`` set per page."""
    kept = [(name, value) for name, value in pairs if name not in ("metadata", "limit", "before")]

    async def fetch(before: Any) -> Page:
        query = [*kept, ("limit", str(PAGE_SIZE))] + ([("before", str(before))] if before else [])
        return await _call(app, {**scope, "query_string": urlencode(query).encode()}, receive, b"")

    return fetch


async def answer_filtered(
    fetch: Callable[[Any], Awaitable[Page]], send: Send, *, metadata: dict[str, Any], limit: int, before: Any
) -> None:
    """Answer with the newest ``limit`` states whose metadata contains ``metadata``, reading pages via ``fetch``."""
    kept: list[Any] = []
    scanned = 0
    while len(kept) < limit and scanned < MAX_SCANNED:
        page = await fetch(before)
        if page.status != 200:
            await send({"type": "http.response.start", "status": page.status, "headers": page.headers})
            await send({"type": "http.response.body", "body": page.body})
            return
        states = json.loads(page.body)
        if not isinstance(states, list):
            await send_json_error(send, 502, "thread history answered with something other than a list")
            return
        scanned += len(states)
        kept.extend(s for s in states if isinstance(s, dict) and json_contains(s.get("metadata") or {}, metadata))
        last = states[-1] if states else None
        before = ((last or {}).get("checkpoint") or {}).get("checkpoint_id")
        if len(states) < PAGE_SIZE or not before:
            break
    payload = json.dumps(kept[:limit]).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
