"""ASGI middleware that checks run requests, and redacts PII from them, before Aegra stores them.

Aegra accepts empty or huge messages and silently creates a thread when a run names an unknown
one. Here a run request is refused with a clear JSON error, before anything is written:
404 for an unknown thread (unless ``if_not_exists="create"``), 422 for an empty message or a
malformed ``input.messages`` or a ``context`` the support graph cannot take (``server/guards/run_context.py``),
413 for a message over ``MAX_MESSAGE_CHARS``.

Aegra writes the run's input to its runs table, and LangGraph checkpoints the input before the first
node runs, so PII is redacted here (``PII_MODE``): no raw email, phone or card number reaches the
runs table, a checkpoint or a log. For a thread answered by a remote model the masks are pseudonyms
(``<PERSON_1>``, signals/pii_pseudonyms.py) whose values the thread's sealed map keeps for the answers; a run
without a thread gets a map of its own (server/pseudonym_writes.py).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from server.asgi_body import json_body, read_body, replay, rewritten
from server.errors import send_json_error
from server.guards.run_context import CONTEXT_GRAPHS, run_context_problem
from server.pseudonym_writes import stateless_run_send
from signals.pii_pseudonyms import Pseudonyms
from signals.pii_vault import VaultKeyMismatch, pseudonyms_apply, update_pseudonyms

_THREAD_RUN_PATH = re.compile(r"^/threads/(?P<thread_id>[^/]+)/runs(?:/stream|/wait)?/?$")
_STATELESS_RUN_PATH = re.compile(r"^/runs(?:/stream|/wait)?/?$")
_CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key", b"cookie"})


class InputProblem(Exception):
    """A run request that must be refused."""

    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def message_text(content: Any) -> str | None:
    """The text of a message's content (a string, or a list of text blocks); None when not text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [block.get("text", "") for block in content if isinstance(block, dict) and block.get("type") == "text"]
        if all(isinstance(part, str) for part in parts):
            return "".join(parts)
    return None


def check_run_input(body: Any, *, max_chars: int) -> None:
    """Raise InputProblem when the run's input messages are malformed, empty or too long."""
    if not isinstance(body, dict):
        return  # not JSON object: Aegra's own validation answers 422
    run_input = body.get("input")
    if run_input is None:
        return
    if not isinstance(run_input, dict):
        raise InputProblem(422, '`input` must be an object such as {"messages": [...]}')
    messages = run_input.get("messages")
    if messages is None:
        return
    if not isinstance(messages, list):
        raise InputProblem(422, "`input.messages` must be a list of messages")
    for index, message in enumerate(messages, start=1):
        if isinstance(message, str):
            text: str | None = message
        elif isinstance(message, dict):
            text = message_text(message.get("content"))
        else:
            raise InputProblem(422, f"message {index} must be an object with `role` and `content`")
        if text is None:
            raise InputProblem(422, f"message {index} has no text content")
        if not text.strip():
            raise InputProblem(422, f"message {index} is empty")
        if len(text) > max_chars:
            raise InputProblem(413, f"message {index} has {len(text)} characters; the limit is {max_chars}")


def redact_run_input(body: Any, *, mode: str, pseudonyms: Pseudonyms | None = None) -> bool:
    """Replace the text of every input message by its PII-redacted text; True when anything changed.

    With ``pseudonyms`` (the thread's map) PII becomes ``<PERSON_1>``-style placeholders instead of bare masks.
    """
    if mode == "off" or not isinstance(body, dict) or not isinstance(body.get("input"), dict):
        return False
    messages = body["input"].get("messages")
    if not isinstance(messages, list):
        return False
    from signals import redact_pii

    def redacted_text(text: str) -> str:
        return pseudonyms.pseudonymise(text) if pseudonyms is not None else redact_pii(text, mode=mode).text  # type: ignore[arg-type]

    changed = False
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            redacted = redacted_text(content)
            changed |= redacted != content
            message["content"] = redacted
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
                    redacted = redacted_text(block["text"])
                    changed |= redacted != block["text"]
                    block["text"] = redacted
    return changed


async def _assistant_graph(assistant_id: Any, *, look_up: bool) -> str | None:
    """The graph a run's ``assistant_id`` names: a graph id itself, else (``look_up``) the assistant's graph."""
    if not isinstance(assistant_id, str) or assistant_id in CONTEXT_GRAPHS or not look_up:
        return assistant_id if isinstance(assistant_id, str) else None
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT graph_id FROM assistant WHERE assistant_id = %s", (assistant_id,))
        row: Any = await cur.fetchone()  # the pool's rows are dicts
    return str(row["graph_id"]) if row else None


async def _thread_exists(thread_id: str) -> bool:
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM thread WHERE thread_id = %s", (thread_id,))
        return await cur.fetchone() is not None


class RunInputGuard:
    """Pure ASGI middleware (streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp, *, max_chars: int, pii_mode: str, check_threads: bool = True) -> None:
        self.app = app
        self.max_chars = max_chars
        self.pii_mode = pii_mode
        self.check_threads = check_threads  # off under `langgraph dev`, whose threads live in memory

    def _pseudonymous(self, body: Any) -> bool:
        """Placeholders the model can tell apart: masking on, a remote model, our database to keep maps in."""
        context = body.get("context") if isinstance(body, dict) else None
        model = context.get("model") if isinstance(context, dict) else None
        return self.check_threads and pseudonyms_apply(self.pii_mode, model)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check run requests; pass everything else through untouched."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        thread_match = _THREAD_RUN_PATH.match(path)
        if not thread_match and not _STATELESS_RUN_PATH.match(path):
            await self.app(scope, receive, send)
            return
        raw = await read_body(receive)
        if raw is None:
            return
        body = json_body(scope, raw)  # None when malformed: Aegra answers 422
        try:
            check_run_input(body, max_chars=self.max_chars)
            if isinstance(body, dict) and body.get("context") is not None:
                graph_id = await _assistant_graph(body.get("assistant_id"), look_up=self.check_threads)
                if graph_id in CONTEXT_GRAPHS and (problem := run_context_problem(body["context"])):
                    raise InputProblem(problem.status, problem.text(), problem.details())
            creates = isinstance(body, dict) and body.get("if_not_exists") == "create"
            # Only for a caller with a credential: to anyone else (401 follows) a thread's existence is not told.
            credentialed = any(k.lower() in _CREDENTIAL_HEADERS for k, _ in scope["headers"])
            if self.check_threads and thread_match and not creates and credentialed:
                thread_id = thread_match.group("thread_id")
                if not await _thread_exists(thread_id):
                    raise InputProblem(404, f"Thread '{thread_id}' not found")
        except InputProblem as problem:
            await send_json_error(send, problem.status, problem.message, problem.details)
            return
        pseudonymous = self._pseudonymous(body)
        if thread_match and pseudonymous:
            try:
                changed = await update_pseudonyms(
                    thread_match.group("thread_id"),
                    lambda map_: asyncio.to_thread(redact_run_input, body, mode=self.pii_mode, pseudonyms=map_),
                )
            except VaultKeyMismatch as mismatch:  # never a fresh map that would renumber the thread's values
                await send_json_error(send, 503, str(mismatch))
                return
        elif pseudonymous:  # a stateless run: its map lives as long as the run (server/pseudonym_writes.py)
            run_map = Pseudonyms()
            changed = await asyncio.to_thread(redact_run_input, body, mode=self.pii_mode, pseudonyms=run_map)
            send = stateless_run_send(
                send, run_map, keep=isinstance(body, dict) and body.get("on_completion") == "keep"
            )
        else:
            changed = await asyncio.to_thread(redact_run_input, body, mode=self.pii_mode)
        if changed:
            scope, raw = rewritten(scope, body)
        await self.app(scope, replay(raw, receive), send)
