"""Typed routing between the support graph's nodes (graph/builder.py wires these as conditional edges)."""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import AIMessage
from langchain_core.messages.utils import count_tokens_approximately

from graph.messages import last_human_text
from graph.state import State
from settings import get_settings

HUMAN_IN_CHARGE = frozenset({"pending", "replied"})


def escalation_reason(state: State) -> str | None:
    """Why this turn goes to a person (None = the bot answers), per graph/policy.py."""
    from graph.policy import EscalationInputs, decide_escalation
    from signals import Signals, frustration_trend

    signals = Signals(
        text=last_human_text(state.messages),
        intent=state.intent or "out_of_scope",
        intent_confidence=state.intent_confidence,
        team=state.team,
        sentiment=state.sentiment or "neutral",
        sentiment_score=state.sentiment_score,
        urgency=state.urgency or "low",
        language=state.language or "en",
        pii_types=tuple(state.pii_types),
        injection=state.injection,
        injection_reasons=(),
        wants_human=state.wants_human,
        legal_threat=state.legal_threat,
        refund_amount=state.refund_amount,
    )
    decision = decide_escalation(
        EscalationInputs(
            signals=signals,
            low_confidence_streak=state.low_confidence_streak,
            repeat_contact_open_issue=state.repeat_contact,
            frustration=frustration_trend(state.sentiment_history),
            refund_threshold=get_settings().refund_escalation_threshold,
        )
    )
    return decision.reason if decision.escalate else None


def after_retrieve(state: State) -> Literal["respond", "escalate"]:
    """A person is already in charge, or the policy says so -> escalate; otherwise the bot responds."""
    if state.escalation is not None and state.escalation["status"] in HUMAN_IN_CHARGE:
        return "escalate"
    if state.resolved:
        return "respond"
    return "escalate" if escalation_reason(state) else "respond"


def after_respond(state: State) -> Literal["tools", "remember"]:
    """Run the tools the model asked for (the respond node stops offering them after the round limit)."""
    last = state.messages[-1] if state.messages else None
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    return "remember"


def needs_summary(state: State) -> bool:
    """The history is over the token budget."""
    return count_tokens_approximately(state.messages) > get_settings().summary_token_budget


def after_remember(state: State) -> Literal["await_human", "summarize", "__end__"]:
    """Wait for the person when one is in charge and hasn't answered this turn; else fold history if too long."""
    escalation = state.escalation
    if escalation is not None and escalation["status"] == "pending":
        return "await_human"
    if needs_summary(state):
        return "summarize"
    return "__end__"


def after_human(state: State) -> Literal["respond", "remember"]:
    """Handed back -> the bot answers the waiting message; a reply or a close ends the turn."""
    escalation = state.escalation
    if escalation is not None and escalation["status"] == "handed_back":
        return "respond"
    return "remember"
