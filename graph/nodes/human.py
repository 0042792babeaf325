"""await_human: pause the thread until a person acts in the handoff inbox, then apply what they did.

The interrupt value is agent-inbox's ``[HumanInterrupt]`` with the handoff record in ``action_request.args``
(graph/inbox_schema.py). Resume value: {"action": "reply"|"handback"|"close", "agent": str, "text": str,
"resolution": str | None} from our inbox, or agent-inbox's ``[HumanResponse]`` (``response`` is a reply,
``ignore`` a hand-back).
The person's text (a reply, or the last words of a close or hand-back) is appended to the thread as their
own AIMessage (name = agent), so the customer sees it and it is persisted with the conversation. After a
reply the thread pauses here again (graph/routing.after_remember): the person stays in charge until they
close or hand back, and the customer's follow-ups join the same handoff (support/handoff_lifecycle.py).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graph.inbox_schema import as_action, handoff_interrupt
from graph.messages import BOT_NAME
from graph.persona import resolve_persona
from graph.state import Context, EscalationRecord, EscalationStatus, State
from prompts.loader import phrase

_STATUS: dict[str, EscalationStatus] = {"reply": "replied", "handback": "handed_back", "close": "closed"}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def author_name(agent: str) -> str:
    """The agent as a message author name that every chat API accepts (letters, digits, - and _)."""
    return _NAME_UNSAFE.sub("_", agent).strip("_")[:64] or "agent"


async def await_human(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Interrupt with the handoff record; on resume, apply the person's action."""
    handoff = state.handoff or {"kind": "handoff", "customer_id": runtime.context.customer_id}
    answer = as_action(interrupt(handoff_interrupt(handoff)))
    if not isinstance(answer, dict) or answer.get("action") not in _STATUS:
        raise ValueError(f'resume with {{"action": "reply"|"handback"|"close", "agent", "text"}}, not {answer!r}')
    action = str(answer["action"])
    agent = str(answer.get("agent") or "agent")
    text = str(answer.get("text") or "").strip()
    if action == "reply" and not text:
        raise ValueError("a reply needs non-empty text")
    previous = state.escalation
    status = _STATUS[action]
    record = EscalationRecord(
        status=status,
        in_charge="person" if status == "replied" else "bot",
        handoff_id=(previous.get("handoff_id") if previous else None) or handoff.get("handoff_id"),
        reason=previous["reason"] if previous else "",
        team=previous["team"] if previous else "",
        ticket_id=previous["ticket_id"] if previous else None,
        priority=previous["priority"] if previous else "",
        agent=agent,
        resolution=(answer.get("resolution") or None) if action == "close" else None,
    )
    messages: list[AIMessage] = []
    if text:
        metadata = {"agent": agent, "action": action}
        messages.append(AIMessage(content=text, name=author_name(agent), response_metadata=metadata))
    elif action == "close":
        persona = resolve_persona(runtime.context.persona, state.memories)
        closed = phrase(persona, state.language, "closed", resolution=str(record["resolution"] or "resolved"))
        messages.append(AIMessage(content=closed, name=BOT_NAME))
    return {"escalation": record, "messages": messages}
