"""Pseudonyms on the write paths besides a thread's runs: state updates and runs without a thread.

* ``POST /threads/{id}/state`` (``threads.update_state``): every free-text string of ``values`` gets the thread's
  placeholders, names included, exactly as a run's input does; the thread's map grows under its lock.
* A run on a thread with a ``command`` (``resume``, ``update``: how the staff inbox and agent-inbox answer a
  customer): the same, so the model reads a person's reply with the placeholders of the customer's own messages.
* A stateless run (``POST /runs``, ``/runs/wait``, ``/runs/stream``) has no thread when its input is redacted:
  Aegra makes the ephemeral thread only afterwards. Its map is made fresh for the run, held in memory, and
  restores the run's own response for the caller who sent the values. Only when the caller keeps the thread
  (``on_completion="keep"``) is the map sealed under that thread's id (the response's ``Content-Location``, or the
  run ``POST /runs`` answers with), so reading the kept thread later restores it too; a thread Aegra deletes after
  the run leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import Message, Send

from server.pseudonym_restore import RestoringResponse
from signals.pii_pseudonyms import Pseudonyms, StreamRestorer
from signals.pii_vault import save_pseudonyms, update_pseudonyms
from support.redaction import redact_value

_STATE_PATH = re.compile(r"^/threads/(?P<thread_id>[^/]+)/state/?$")
_THREAD_RUN_PATH = re.compile(r"^/threads/(?P<thread_id>[^/]+)/runs(?:/stream|/wait)?/?$")
_RUN_LOCATION = re.compile(r"^/threads/(?P<thread_id>[^/]+)/runs/[^/]+$")


def state_update_thread(method: str, path: str) -> str | None:
    """The thread of a state update (``POST /threads/{id}/state``), else None."""
    match = _STATE_PATH.match(path) if method == "POST" else None
    return match.group("thread_id") if match else None


def thread_command_run(method: str, path: str) -> str | None:
    """The thread of a run on a thread (``POST /threads/{id}/runs[/stream|/wait]``), else None."""
    match = _THREAD_RUN_PATH.match(path) if method == "POST" else None
    return match.group("thread_id") if match else None


async def pseudonymise_state_update(thread_id: str, body: Any) -> bool:
    """Replace, in place, the PII of a state update's ``values`` by the thread's placeholders; True when changed."""
    return await _pseudonymise_parts(thread_id, body, ("values",))


async def pseudonymise_command(thread_id: str, body: Any) -> bool:
    """Replace, in place, the PII of a run's ``command.resume`` and ``command.update``; True when changed."""
    command = body.get("command") if isinstance(body, dict) else None
    return await _pseudonymise_parts(thread_id, command, ("resume", "update"))


async def _pseudonymise_parts(thread_id: str, container: Any, keys: tuple[str, ...]) -> bool:
    if not isinstance(container, dict):
        return False
    parts = {key: container[key] for key in keys if container.get(key) is not None}
    if not parts:
        return False

    def change(pseudonyms: Pseudonyms) -> dict[str, Any]:
        return {key: redact_value(value, text=pseudonyms.pseudonymise) for key, value in parts.items()}

    redacted = await update_pseudonyms(thread_id, lambda pseudonyms: asyncio.to_thread(change, pseudonyms))
    container.update(redacted)
    return bool(redacted != parts)


def stateless_run_send(send: Send, pseudonyms: Pseudonyms, *, keep: bool) -> Send:
    """``send`` for a stateless run's response: restored with the run's map, which is sealed when the thread stays."""

    async def open_restorer(start: Message) -> StreamRestorer | None:
        if not pseudonyms.values:
            return None
        headers = {key.lower(): value for key, value in start.get("headers", [])}
        location = _RUN_LOCATION.match(headers.get(b"content-location", b"").decode("latin-1"))
        if keep and location:  # runs/wait and runs/stream name the thread in a header
            await save_pseudonyms(location.group("thread_id"), pseudonyms)
        return StreamRestorer(pseudonyms)

    async def created_run(payload: Any) -> None:  # POST /runs answers with the run, which names its thread
        thread_id = payload.get("thread_id") if isinstance(payload, dict) else None
        if keep and isinstance(thread_id, str) and isinstance(payload.get("run_id"), str):
            await save_pseudonyms(thread_id, pseudonyms)

    return RestoringResponse(send, open_restorer, on_json=created_run).send
