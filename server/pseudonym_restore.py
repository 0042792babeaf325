"""ASGI middleware: the customer reads their thread with their own values, not ``<PERSON_1>``.

The run guard (server/run_input_guard.py) gave the model placeholders; the thread keeps them in the checkpoints, the
store and the traces. Here, on the way out only, the placeholders of the thread's map are replaced in run results,
run streams, joins, the thread, its state and its history: the customer's own messages and the answers alike. Only
for a caller who may read the customer's values (``identity.policy.may_read_customer_values``: the thread's own
customer, or service, agent and above of its tenant); anyone else reads the placeholders.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity.model import Identity
from identity.resolve import CredentialRejected
from server.request_facts import current_request, verified_identity
from signals.pii_pseudonyms import StreamRestorer

logger = logging.getLogger(__name__)

_THREAD_READ_PATH = re.compile(
    r"^/threads/(?P<thread_id>[^/]+)(?:/(?:runs(?:/stream|/wait)?|runs/[^/]+(?:/join|/stream)?|state(?:/[^/]+)?|history))?/?$"
)
_AI_TYPES = ("ai", "AIMessageChunk")


def restore_values(value: Any, restorer: StreamRestorer, *, streamed: bool = False) -> Any:
    """``value`` (a decoded JSON payload) with the placeholders of the map restored in every string.

    Messages of both sides are restored: the customer's own words, the answers, tool arguments, the summary.
    ``streamed``: the payload is one chunk of a ``messages`` stream, whose placeholders may span chunks.
    """
    if isinstance(value, str):
        return restorer.pseudonyms.restore(value)
    if isinstance(value, list):
        return [restore_values(item, restorer, streamed=streamed) for item in value]
    if not isinstance(value, dict):
        return value
    restored = {key: restore_values(item, restorer, streamed=streamed) for key, item in value.items()}
    if streamed and value.get("type") in _AI_TYPES and isinstance(value.get("content"), str):
        message_id = str(value.get("id"))
        content = restorer.chunk(message_id, value["content"])
        metadata = value.get("response_metadata") or {}
        if value.get("chunk_position") == "last" or metadata.get("finish_reason"):
            content += restorer.flush(message_id)
        restored["content"] = content
    return restored


def restore_event(event: bytes, restorer: StreamRestorer) -> bytes:
    """One server-sent event with the bot's messages in its data restored."""
    lines = event.decode().split("\n")
    name = next((line[6:].strip() for line in lines if line.startswith("event:")), "")
    data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
    if not data:
        return event
    try:
        payload = json.loads(data)
    except json.JSONDecodeError:
        return event
    restored = restore_values(payload, restorer, streamed=name.split("|")[0] == "messages")
    kept = [line for line in lines if not line.startswith("data:")]
    return "\n".join([*kept[:1], f"data: {json.dumps(restored)}", *kept[1:]]).encode()


Opener = Callable[[Message], Awaitable[StreamRestorer | None]]
"""Given a 200 response's start, the restorer for its body, or None to send it as it is."""


class PseudonymRestorer:
    """Pure ASGI middleware over the thread read paths; everything else passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Restore the thread's placeholders in the response, for a caller who may read the customer's values."""
        match = _THREAD_READ_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        thread_id = match.group("thread_id")
        response = RestoringResponse(send, lambda _start: _reader_restorer(scope, thread_id))
        await self.app(scope, receive, response.send)


async def _reader_restorer(scope: Scope, thread_id: str) -> StreamRestorer | None:
    """The thread's map when the caller may read its customer's values (identity/policy.py), else None."""
    from identity.policy import may_read_customer_values
    from signals.pii_vault import VaultKeyMismatch, load_pseudonyms

    try:
        identity = await _caller(scope)
        owner = await _thread_owner(thread_id) if identity is not None else None
        if identity is None or owner is None:
            return None
        tenant, customer_id = owner
        if not may_read_customer_values(identity, thread_tenant=tenant, customer_id=customer_id):
            return None
        pseudonyms = await load_pseudonyms(thread_id)
    except (psycopg.Error, VaultKeyMismatch, CredentialRejected) as error:  # sent with its placeholders
        logger.warning("a thread's pseudonyms were not restored: %s: %s", type(error).__name__, error)
        return None
    return StreamRestorer(pseudonyms) if pseudonyms.values else None


async def _caller(scope: Scope) -> Identity | None:
    """The identity Aegra's authenticate handler verified for this request (verified here when it has not)."""
    facts = current_request()
    if facts is not None and facts.identity is not None:
        return facts.identity
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
    return await verified_identity(headers, method=scope["method"])


async def _thread_owner(thread_id: str) -> tuple[str | None, str | None] | None:
    """(tenant, customer id) of a thread from Aegra's table; None when there is no such thread."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT user_id, metadata_json->>'customer_id' AS customer_id FROM thread WHERE thread_id = %s",
            (thread_id,),
        )
        row: Any = await cur.fetchone()  # the pool's rows are dicts
    if row is None:
        return None
    owner = str(row["user_id"] or "")
    return (owner.removeprefix("tenant:") if owner.startswith("tenant:") else None), row["customer_id"]


class RestoringResponse:
    """One response on its way out: passed through, restored event by event, or restored as a whole body."""

    def __init__(self, send: Send, opener: Opener, *, on_json: Callable[[Any], Awaitable[None]] | None = None) -> None:
        self.downstream = send
        self.opener = opener
        self.on_json = on_json  # sees a whole JSON body (as the app wrote it) before it is restored and sent
        self.restorer: StreamRestorer | None = None
        self.streaming = False
        self.start: Message | None = None
        self.buffer = b""

    async def send(self, message: Message) -> None:
        """The ASGI ``send`` to hand the app."""
        if message["type"] == "http.response.start":
            await self._started(message)
        elif message["type"] == "http.response.body" and self.restorer is not None:
            await self._body(message)
        else:
            await self.downstream(message)

    async def _started(self, message: Message) -> None:
        headers = {key.lower(): value for key, value in message.get("headers", [])}
        if message["status"] == 200:
            self.restorer = await self.opener(message)
        if self.restorer is None:
            await self.downstream(message)
            return
        self.streaming = headers.get(b"content-type", b"").startswith(b"text/event-stream")
        if self.streaming:
            await self.downstream(message)
        else:
            self.start = message  # sent with the restored body's length

    async def _body(self, message: Message) -> None:
        assert self.restorer is not None
        self.buffer += message.get("body", b"")
        more = message.get("more_body", False)
        if self.streaming:
            *events, self.buffer = self.buffer.replace(b"\r\n", b"\n").split(b"\n\n")
            if not more and self.buffer:
                events, self.buffer = [*events, self.buffer], b""
            out = b"".join(restore_event(event, self.restorer) + b"\n\n" for event in events)
            if out or not more:
                await self.downstream({"type": "http.response.body", "body": out, "more_body": more})
            return
        if more:
            return
        body = self.buffer
        try:
            payload = json.loads(body)
            if self.on_json is not None:
                await self.on_json(payload)
            body = json.dumps(restore_values(payload, self.restorer)).encode()
        except (json.JSONDecodeError, UnicodeDecodeError):
            logger.warning("a thread response was not JSON; sent as it was")
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        await self.downstream({**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await self.downstream({"type": "http.response.body", "body": body, "more_body": False})
