"""Typed routing between the support graph's nodes (graph/builder.py wires these as conditional edges)."""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately

from graph.messages import BOT_NAME, last_human_text
from graph.state import State
from settings import get_settings

HUMAN_IN_CHARGE = frozenset({"pending", "replied"})
"""Escalation statuses in which a person has the conversation (the handoff is open) and the bot stays out."""


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
        escalation_cue=state.escalation_cue,
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


def after_respond(state: State) -> Literal["tools", "respond", "escalate", "remember"]:
    """Run the tools the model asked for (the respond node stops offering them after the round limit).

    Malformed tool calls were answered with tool errors: the model tries again. No model could answer
    anything grounded: a person takes the turn.
    """
    if state.answered_by == "handoff":
        return "escalate"
    last = state.messages[-1] if state.messages else None
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    if isinstance(last, ToolMessage):
        return "respond"
    return "remember"


def needs_summary(state: State) -> bool:
    """The history is over the token budget."""
    return count_tokens_approximately(state.messages) > get_settings().summary_token_budget


def after_remember(state: State) -> Literal["await_human", "summarize", "__end__"]:
    """While a person is in charge the thread waits for their next action; else fold history if too long.

    The thread stays paused after a person's reply too, so that their close or hand-back (which may carry a
    last message) always resumes a waiting thread; a customer's follow-up starts a new run that joins the
    same handoff.
    """
    escalation = state.escalation
    if escalation is not None and escalation["status"] in HUMAN_IN_CHARGE:
        return "await_human"
    if needs_summary(state):
        return "summarize"
    return "__end__"


def after_human(state: State) -> Literal["respond", "remember"]:
    """Handed back with the customer's last message unanswered -> the bot answers it; otherwise end the turn."""
    escalation = state.escalation
    if escalation is not None and escalation["status"] == "handed_back" and _customer_waiting(state):
        return "respond"
    return "remember"


def _customer_waiting(state: State) -> bool:
    """The last customer message has no answer yet (the bot's notices and a hand-back note don't count)."""
    for message in reversed(state.messages):
        if isinstance(message, AIMessage) and message.name != BOT_NAME:
            if message.response_metadata.get("action") != "handback":
                return False
        if message.type == "human":
            return True
    return False
