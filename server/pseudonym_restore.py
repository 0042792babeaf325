"""ASGI middleware: the customer reads the answers of their thread with their own values, not ``<PERSON_1>``.

The run guard (server/run_input_guard.py) gave the model placeholders; the answers it wrote keep them in the
checkpoints, the store and the traces. Here, on the way out only, the placeholders of the thread's map are replaced
in the bot's messages (``ai`` messages and streamed chunks) of run results, run streams, the thread and its state.
The customer's own messages stay as stored.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import psycopg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signals.pii_pseudonyms import Pseudonyms, StreamRestorer

logger = logging.getLogger(__name__)

_THREAD_READ_PATH = re.compile(
    r"^/threads/(?P<thread_id>[^/]+)(?:/(?:runs(?:/stream|/wait)?|runs/[^/]+/(?:join|stream)|state|history))?/?$"
)
_AI_TYPES = ("ai", "AIMessageChunk")


def restore_answers(value: Any, restorer: StreamRestorer, *, streamed: bool = False) -> Any:
    """``value`` (a decoded JSON payload) with the placeholders of every bot message restored.

    ``streamed``: the payload is one chunk of a ``messages`` stream, whose placeholders may span chunks.
    """
    if isinstance(value, list):
        return [restore_answers(item, restorer, streamed=streamed) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") in _AI_TYPES and "content" in value:
        content = value["content"]
        if streamed and isinstance(content, str):
            message_id = str(value.get("id"))
            content = restorer.chunk(message_id, content)
            metadata = value.get("response_metadata") or {}
            if value.get("chunk_position") == "last" or metadata.get("finish_reason"):
                content += restorer.flush(message_id)
        else:
            content = _restored_content(content, restorer.pseudonyms)
        return {**value, "content": content}
    return {key: restore_answers(item, restorer, streamed=streamed) for key, item in value.items()}


def _restored_content(content: Any, pseudonyms: Pseudonyms) -> Any:
    if isinstance(content, str):
        return pseudonyms.restore(content)
    if isinstance(content, list):
        return [
            {**block, "text": pseudonyms.restore(block["text"])}
            if isinstance(block, dict) and isinstance(block.get("text"), str)
            else block
            for block in content
        ]
    return content


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
    restored = restore_answers(payload, restorer, streamed=name.split("|")[0] == "messages")
    kept = [line for line in lines if not line.startswith("data:")]
    return "\n".join([*kept[:1], f"data: {json.dumps(restored)}", *kept[1:]]).encode()


class PseudonymRestorer:
    """Pure ASGI middleware over the thread read paths; everything else passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Restore the thread's placeholders in the response, when the thread has any."""
        match = _THREAD_READ_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        response = _Response(match.group("thread_id"), send)
        await self.app(scope, receive, response.send)


class _Response:
    """One response on its way out: passed through, restored event by event, or restored as a whole body."""

    def __init__(self, thread_id: str, send: Send) -> None:
        self.thread_id = thread_id
        self.downstream = send
        self.restorer: StreamRestorer | None = None
        self.streaming = False
        self.start: Message | None = None
        self.buffer = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._started(message)
        elif message["type"] == "http.response.body" and self.restorer is not None:
            await self._body(message)
        else:
            await self.downstream(message)

    async def _started(self, message: Message) -> None:
        from signals.pii_vault import load_pseudonyms

        headers = {key.lower(): value for key, value in message.get("headers", [])}
        if message["status"] == 200:
            try:
                pseudonyms = await load_pseudonyms(self.thread_id)
            except psycopg.Error as error:  # the answer still goes out, with its placeholders
                logger.warning("the pseudonym map of a thread could not be read: %s", type(error).__name__)
            else:
                self.restorer = StreamRestorer(pseudonyms) if pseudonyms.values else None
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
            body = json.dumps(restore_answers(json.loads(body), self.restorer)).encode()
        except (json.JSONDecodeError, UnicodeDecodeError):
            logger.warning("a thread response was not JSON; sent as it was")
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        await self.downstream({**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await self.downstream({"type": "http.response.body", "body": body, "more_body": False})
