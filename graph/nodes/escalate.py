"""escalate: hand the conversation to a person -- ticket and inbox entry (support.handoff), and a notice.

The pause itself (``interrupt``) is the next node, await_human, so this node's side effects run exactly
once and are committed before the graph waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.messages import BOT_NAME
from graph.persona import resolve_persona
from graph.routing import HUMAN_IN_CHARGE, escalation_reason
from graph.state import Context, EscalationRecord, State
from prompts.loader import phrase, team_label

TRANSCRIPT_TAIL = 12
"""Messages the person sees in the inbox besides the summary."""

OpenHandoff = Callable[..., Awaitable[dict[str, Any]]]


def make_escalate(open_handoff: OpenHandoff) -> Any:
    """The escalate node; ``open_handoff`` is support.handoff.open_handoff (the ticket and inbox owner)."""

    async def escalate(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict[str, Any]:
        """Open a handoff, or add the customer's follow-up to the open one, and tell the customer who has it."""
        context = runtime.context
        previous = state.escalation
        in_charge = previous is not None and previous["status"] in HUMAN_IN_CHARGE
        model_unavailable = state.answered_by == "handoff"
        reason = (
            (previous["reason"] if in_charge and previous else None)
            or ("model_unavailable" if model_unavailable else None)
            or escalation_reason(state)
            or "customer_request"
        )
        thread_id = str((config.get("configurable") or {}).get("thread_id") or "")
        handoff = await open_handoff(
            tenant=context.tenant,
            customer_id=context.customer_id,
            thread_id=thread_id,
            reason=reason,
            intent=state.intent,
            urgency=state.urgency,
            language=state.language,
            sentiment=state.sentiment,
            summary=state.summary or None,
            transcript_tail=list(state.messages[-TRANSCRIPT_TAIL:]),
        )
        agent = handoff.get("agent") or (previous["agent"] if in_charge and previous else None)
        record = EscalationRecord(
            status="pending",
            in_charge="person",
            handoff_id=handoff.get("handoff_id"),
            reason=str(handoff.get("reason", reason)),
            team=str(handoff.get("team", "")),
            ticket_id=handoff.get("ticket_id"),
            priority=str(handoff.get("priority", "")),
            agent=str(agent) if agent else None,
            resolution=None,
        )
        update: dict[str, Any] = {"escalation": record, "handoff": handoff}
        persona = resolve_persona(context.persona, state.memories)
        fields = {"team": team_label(record["team"], state.language), "ticket_id": str(record["ticket_id"] or "")}
        if handoff.get("opened", True):
            notice = phrase(persona, state.language, "handoff", **fields)
        elif record["agent"]:
            notice = phrase(persona, state.language, "handoff_joined", agent=record["agent"], **fields)
        else:
            notice = phrase(persona, state.language, "handoff_waiting", **fields)
        if model_unavailable:
            notice = f"{phrase(persona, state.language, 'model_unavailable')} {notice}"
        elif state.sentiment == "negative":
            notice = f"{phrase(persona, state.language, 'empathy')} {notice}"
        update["messages"] = [AIMessage(content=notice, name=BOT_NAME)]
        return update

    return escalate
