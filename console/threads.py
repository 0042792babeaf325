"""A conversation as staff see it: the transcript and signals, read from the thread through the LangGraph API.

The request's own session cookie is forwarded, so the API checks the staff member's role like any other client's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from langgraph_sdk.errors import APIError

from server.own_api import client_as_caller

SPEAKERS = {"human": "customer", "ai": "agent", "tool": "tool", "system": "system"}


@dataclass(frozen=True, slots=True)
class Line:
    """One message of the transcript."""

    speaker: str
    text: str
    name: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Conversation:
    """A thread's transcript and the signals the graph recorded about it."""

    thread_id: str
    status: str
    lines: list[Line]
    signals: dict[str, Any]
    citations: list[dict[str, Any]]
    found: bool = True


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _signals(values: dict[str, Any]) -> dict[str, Any]:
    history = [round(float(score), 2) for score in values.get("sentiment_history") or []]
    return {
        "intent": values.get("intent"),
        "sentiment": values.get("sentiment"),
        "sentiment_trend": history[-8:],
        "urgency": values.get("urgency"),
        "language": values.get("language"),
        "pii_types": list(values.get("pii_types") or []),
        "injection": bool(values.get("injection")),
        "flagged_messages": len(values.get("flagged_message_ids") or []),
    }


def conversation_from_state(thread_id: str, status: str, values: dict[str, Any]) -> Conversation:
    """The transcript (customer, agent and person's words; tool calls kept to expand) and the signals."""
    lines: list[Line] = []
    for message in values.get("messages") or []:
        kind = str(message.get("type", ""))
        text = _text(message.get("content"))
        calls = list(message.get("tool_calls") or [])
        if kind not in SPEAKERS or (not text and not calls):
            continue
        lines.append(Line(SPEAKERS[kind], text, message.get("name"), calls))
    citations = list(values.get("turn_citations") or values.get("last_citations") or [])
    return Conversation(thread_id, status, lines, _signals(values), citations)


async def read_conversation(request: Request, thread_id: str) -> Conversation:
    """The thread's current state; an empty, not-found conversation when the API does not show it."""
    try:
        async with client_as_caller(request) as client:
            thread = await client.threads.get(thread_id)
            state = await client.threads.get_state(thread_id)
    except (APIError, httpx.HTTPError):
        return Conversation(thread_id, "unknown", [], {}, [], found=False)
    values = state.get("values") if isinstance(state, dict) else None
    return conversation_from_state(thread_id, str(thread.get("status", "")), values if isinstance(values, dict) else {})
