"""ASGI guard that PII-redacts state written through the LangGraph API before Aegra stores or checkpoints it.

``server.run_input_guard`` redacts the messages of a run's input. Other requests also write state: a state
update (``POST /threads/{id}/state``: ``values``), a run that resumes or updates a thread (``command.resume``,
``command.update``: how the staff inbox answers a customer) and the store (``PUT /store/items``: ``value``).
Every free-text string in those parts is redacted here (``PII_MODE``); ids, roles and other enum-like fields stay.
When a remote model reads the thread, a state update's values and a run's command get the thread's pseudonyms
instead, names included (server/pseudonym_writes.py), as the customer's own messages do.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from server.asgi_body import json_body, read_body, replay, rewritten
from server.errors import send_json_error
from server.pseudonym_writes import (
    pseudonymise_command,
    pseudonymise_state_update,
    state_update_thread,
    thread_command_run,
)
from signals.pii_vault import VaultKeyMismatch, pseudonyms_apply
from support.redaction import redact_value

_STATE_PATH = re.compile(r"^/threads/[^/]+/state/?$")
_RUN_PATH = re.compile(r"^(?:/threads/[^/]+)?/runs(?:/stream|/wait)?/?$")
_STORE_PATH = re.compile(r"^/store/items/?$")


def _redact_part(container: Any, key: str) -> bool:
    """Redact ``container[key]`` in place when present; True when it changed."""
    if not isinstance(container, dict) or container.get(key) is None:
        return False
    redacted = redact_value(container[key])
    changed = bool(redacted != container[key])
    container[key] = redacted
    return changed


def redact_state_write(method: str, path: str, body: Any) -> bool:
    """Redact, in place, the parts of ``body`` that the request writes to state; True when anything changed."""
    if method == "POST" and _STATE_PATH.match(path):
        return _redact_part(body, "values")
    if method == "POST" and _RUN_PATH.match(path):
        command = body.get("command") if isinstance(body, dict) else None
        return _redact_part(command, "resume") | _redact_part(command, "update")
    if method == "PUT" and _STORE_PATH.match(path):
        return _redact_part(body, "value")
    return False


def _writes_state(method: str, path: str) -> bool:
    return (method == "POST" and bool(_STATE_PATH.match(path) or _RUN_PATH.match(path))) or (
        method == "PUT" and bool(_STORE_PATH.match(path))
    )


class StateRedactionGuard:
    """Pure ASGI middleware: buffers the body of state-writing requests, redacts it, and passes it on."""

    def __init__(self, app: ASGIApp, *, pii_mode: str = "mask", pseudonyms: bool = False) -> None:
        self.app = app
        self.pii_mode = pii_mode
        self.pseudonyms = pseudonyms  # the maps live in our database (not under `langgraph dev`)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Redact state-writing requests; pass everything else through untouched."""
        if scope["type"] != "http" or not _writes_state(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        raw = await read_body(receive)
        if raw is None:
            return
        body = json_body(scope, raw)  # None when malformed: Aegra answers 422 and nothing is written
        state_thread = state_update_thread(scope["method"], scope["path"])
        thread_id = state_thread or thread_command_run(scope["method"], scope["path"])
        if body is not None and thread_id and self.pseudonyms and pseudonyms_apply(self.pii_mode):
            try:
                if state_thread:
                    changed = await pseudonymise_state_update(thread_id, body)
                else:
                    changed = await pseudonymise_command(thread_id, body)
            except VaultKeyMismatch as mismatch:
                await send_json_error(send, 503, str(mismatch))
                return
        else:
            changed = body is not None and await asyncio.to_thread(
                redact_state_write, scope["method"], scope["path"], body
            )
        if changed:
            scope, raw = rewritten(scope, body)
        await self.app(scope, replay(raw, receive), send)
