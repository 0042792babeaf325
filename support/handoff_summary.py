"""The note a person reads when a conversation lands in their inbox: enough to act in 30 seconds.

The note and the transcript tail are stored (handoffs, checkpointed state), so both are PII-redacted here;
the customer's contact details stay in their profile, which the inbox shows beside the note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from support.connections import Row
from support.redaction import redact_text

_REASONS: tuple[tuple[str, str, str], ...] = (
    # (keyword in the policy's reason, what it means, what to do first)
    ("legal", "Legal threat", "Do not admit fault; acknowledge, and loop in legal before promising anything."),
    ("human", "Customer asked for a person", "Introduce yourself and pick up from the last message."),
    ("person", "Customer asked for a person", "Introduce yourself and pick up from the last message."),
    ("confidence", "The bot could not answer twice in a row", "Answer the question the bot missed."),
    ("failure", "The bot could not answer twice in a row", "Answer the question the bot missed."),
    ("refund", "Refund or billing dispute above the threshold", "Check the charge and decide on the refund."),
    ("billing", "Refund or billing dispute above the threshold", "Check the charge and decide on the refund."),
    ("dispute", "Refund or billing dispute above the threshold", "Check the charge and decide on the refund."),
    ("repeat", "Contacted again about an issue that is still open", "Read the open ticket's history first."),
    ("sentiment", "Very negative and urgent", "Apologise for the trouble and give a concrete next step."),
    ("negative", "Very negative and urgent", "Apologise for the trouble and give a concrete next step."),
    ("frustration", "Frustration rising over several messages", "Acknowledge the back-and-forth; solve it now."),
    ("angry", "Very negative and urgent", "Apologise for the trouble and give a concrete next step."),
)
_QUOTE_CHARS = 240


def explain_reason(reason: str) -> tuple[str, str]:
    """(plain-language reason, suggested first step) for the escalation policy's reason code."""
    lowered = reason.lower()
    for keyword, meaning, step in _REASONS:
        if keyword in lowered:
            return meaning, step
    return reason.replace("_", " "), "Read the last messages and reply."


def normalise_transcript(transcript_tail: Sequence[Any] | None) -> list[dict[str, str]]:
    """Messages as {"role", "content"} dicts, from dicts, LangChain messages or plain strings."""
    turns: list[dict[str, str]] = []
    for item in transcript_tail or ():
        if isinstance(item, dict):
            role = str(item.get("role") or item.get("type") or "user")
            content = item.get("content", "")
        elif isinstance(item, str):
            role, content = "user", item
        else:
            role = str(getattr(item, "type", "user"))
            content = getattr(item, "content", "")
        if not isinstance(content, str):
            content = " ".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
        role = {"human": "customer", "user": "customer", "ai": "assistant"}.get(role, role)
        turns.append({"role": role, "content": redact_text(content.strip())})
    return turns


def _last_customer_words(transcript: list[dict[str, str]]) -> str | None:
    for turn in reversed(transcript):
        if turn["role"] == "customer" and turn["content"]:
            text = " ".join(turn["content"].split())
            return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…"
    return None


def build_summary(
    *,
    customer: Row,
    ticket_id: str,
    ticket_is_new: bool,
    team: str,
    priority: str,
    reason: str,
    intent: str | None,
    category: str,
    urgency: str | None,
    sentiment: str | None,
    language: str | None,
    bot_summary: str | None,
    transcript: list[dict[str, str]],
    other_open_tickets: list[Row],
) -> str:
    """A short, fixed-shape note: who, why, what they said, what is open, what to do first.

    The free text in it (the customer's words, the bot's summary) is PII-redacted; the profile's email is left out.
    """
    meaning, step = explain_reason(reason)
    who = customer.get("name") or customer["id"]
    lines = [
        f"{priority.upper()} · {team} · ticket {ticket_id} ({'new' if ticket_is_new else 'updated'})",
        f"Customer: {who} — {customer['tier']} tier, language {language or customer['language']}",
        f"Why: {meaning}",
        f"Issue: {intent or 'unknown intent'} ({category}); sentiment {sentiment or 'unknown'};"
        f" urgency {urgency or 'normal'}",
    ]
    quote = _last_customer_words(transcript)
    if quote:
        quote = redact_text(quote)
        lines.append(f'Customer said: "{quote}"')
    if bot_summary:
        lines.append(f"So far: {redact_text(' '.join(bot_summary.split()))}")
    if other_open_tickets:
        listed = ", ".join(f"{t['id']} ({t['category']}, {t['status']})" for t in other_open_tickets[:3])
        lines.append(f"Other open tickets: {listed}")
    lines.append(f"Next step: {step}")
    return "\n".join(lines)
