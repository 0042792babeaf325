"""The offline answer to a question about the customer's tickets: status, last update and next step, per ticket.

Every sentence is a phrase of the customer's language (prompts/phrases/*.yaml) filled with the ticket facts the
lookup returned (tools/tickets.py); the ticket's own subject stays as the customer or the team wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from graph.grounding import GroundingTicket

Say = Callable[..., str]

# The timestamps of the lookup's own output ("last updated 2026-03-02 10:00 UTC", "(updated ...)").
_UPDATED = re.compile(r"\bupdated (\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC)")
_NEXT_STEP_STATUSES = ("open", "in_progress", "pending", "resolved", "closed")


def last_update(ticket: GroundingTicket) -> str | None:
    """When the ticket last changed, as the lookup printed it."""
    match = _UPDATED.search(ticket.details)
    return match.group(1) if match else None


def _status(ticket: GroundingTicket, say: Say) -> str:
    status = ticket.status.strip().lower().replace(" ", "_")
    return say(f"ticket_status_{status}") if status in _NEXT_STEP_STATUSES else ticket.status


def describe_ticket(ticket: GroundingTicket, say: Say) -> str:
    """One ticket in the customer's language; another customer's ticket reads exactly like a missing one."""
    status = ticket.status.strip().lower()
    if status == "not found":
        return say("ticket_not_found", id=ticket.id)
    if status == "none":
        return say("no_tickets")
    if status == "unavailable":
        return say("tickets_unavailable")
    parts = [say("ticket_line", id=ticket.id, subject=ticket.subject, status=_status(ticket, say))]
    if updated := last_update(ticket):
        parts.append(say("ticket_updated", updated=updated))
    key = status.replace(" ", "_")
    if key in _NEXT_STEP_STATUSES:
        parts.append(say(f"ticket_next_{key}"))
    return " ".join(parts)


def ticket_answer(tickets: Sequence[GroundingTicket], say: Say) -> str:
    """The answer's ticket paragraph: an intro, then one line per ticket."""
    lines = [describe_ticket(ticket, say) for ticket in tickets]
    found = any(t.status.strip().lower() not in ("not found", "none", "unavailable") for t in tickets)
    return "\n".join([say("tickets_intro"), *lines] if found else lines)
