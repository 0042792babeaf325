"""Ticket tools for the graph: look up, list, open and update the talking customer's own tickets.

Who is talking comes from the run's context (``runtime.context``), never from the model's arguments;
another customer's ticket is reported exactly like a missing one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import psycopg
from langchain.tools import ToolRuntime, tool

from graph.state import Context
from support import tickets as ticket_store
from support.connections import Row
from support.customers import CustomerNotFoundError, get_customer
from support.routing import category_for, priority_for, route_team
from support.tickets import Status as TicketStatus
from tools.ticket_match import find_closest_ticket

logger = logging.getLogger(__name__)

UNAVAILABLE = "The ticket system is unavailable right now. Please try again in a moment."
ANONYMOUS = "I can't see tickets for an anonymous conversation; the customer needs to sign in first."
_SUBJECT_MAX = 200
_DESCRIPTION_MAX = 4000
_COMMENT_MAX = 4000
# History the customer may read; handoff notes are internal.
_VISIBLE_EVENTS = ("created", "status", "comment", "resolution", "agent_reply")
_CUSTOMER_STATUSES = {"pending": "pending", "customer_reply": "open", "customer-reply": "open"}


def identity(runtime: ToolRuntime[Context, Any]) -> tuple[str, str]:
    """(tenant, customer_id) of the run; the context may arrive as the dataclass or a plain dict."""
    context: Any = runtime.context
    if isinstance(context, Mapping):
        return str(context.get("tenant") or "default"), str(context.get("customer_id") or "anonymous")
    return str(getattr(context, "tenant", "default")), str(getattr(context, "customer_id", "anonymous"))


def state_value(runtime: ToolRuntime[Context, Any], key: str) -> Any:
    """A field of the graph state, whether the state is a dict or a dataclass."""
    state: Any = runtime.state
    if isinstance(state, Mapping):
        return state.get(key)
    return getattr(state, key, None)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _not_found(ticket_id: str) -> str:
    return f"Ticket {ticket_id.strip().upper()} was not found among this customer's tickets."


def _describe(ticket: Row, events: list[Row]) -> str:
    lines = [
        f"Ticket {ticket['id']}: {ticket['subject']}",
        f"Status: {ticket['status']} | priority: {ticket['priority']} | category: {ticket['category']}"
        f" | team: {ticket['team'] or 'unassigned'}",
        f"Opened {_when(ticket['created_at'])}, last updated {_when(ticket['updated_at'])}",
    ]
    if ticket["resolved_at"]:
        lines.append(f"Resolved {_when(ticket['resolved_at'])}: {ticket['resolution'] or ''}".rstrip(": "))
    if ticket["description"]:
        lines.append(f"Description: {ticket['description'][:500]}")
    visible = [e for e in events if e["kind"] in _VISIBLE_EVENTS][-5:]
    if visible:
        lines.append("Recent updates:")
        for event in visible:
            detail = event["body"] or (
                f"{event['data'].get('from')} -> {event['data'].get('to')}" if event["kind"] == "status" else ""
            )
            lines.append(f"- {_when(event['created_at'])} {event['actor']} {event['kind']}: {detail}")
    return "\n".join(lines)


def _line(ticket: Row) -> str:
    return (
        f"{ticket['id']} [{ticket['status']}, {ticket['priority']}] {ticket['subject']}"
        f" (updated {_when(ticket['updated_at'])})"
    )


@tool(parse_docstring=True)
async def lookup_ticket(ticket_id: str, runtime: ToolRuntime[Context, Any]) -> str:
    """Look up one of the customer's support tickets by its id: status, team and recent updates.

    Args:
        ticket_id: The ticket's id as the customer or a message gave it, like T-1042.
        runtime: Who is asking, from the run (not part of the tool's schema).
    """
    tenant, customer_id = identity(runtime)
    if customer_id == "anonymous":
        return ANONYMOUS
    try:
        ticket = await ticket_store.get_ticket(None, tenant, ticket_id, customer_id=customer_id)
        if ticket is None:
            return _not_found(ticket_id)
        events = await ticket_store.ticket_events(None, tenant, ticket["id"])
    except psycopg.Error:
        logger.exception("lookup_ticket failed")
        return UNAVAILABLE
    return _describe(ticket, events)


@tool(parse_docstring=True)
async def list_my_tickets(
    runtime: ToolRuntime[Context, Any], status: TicketStatus | None = None, about: str | None = None
) -> str:
    """List the customer's support tickets, newest first, or show the one ticket they are talking about.

    Args:
        runtime: Who is asking, from the run (not part of the tool's schema).
        status: Only tickets with this status.
        about: The customer's words about a ticket (e.g. "my double charge"); the ticket it clearly describes
            is shown in full (status, updates) instead of the list.
    """
    tenant, customer_id = identity(runtime)
    if customer_id == "anonymous":
        return ANONYMOUS
    if status is not None and status not in ticket_store.STATUSES:
        return f"Unknown status {status!r}; use one of: {', '.join(ticket_store.STATUSES)}."
    try:
        rows = await ticket_store.list_tickets(None, tenant, customer_id=customer_id, status=status, limit=20)
        meant = await find_closest_ticket(about, rows) if about else None
        events = await ticket_store.ticket_events(None, tenant, meant["id"]) if meant else []
    except psycopg.Error:
        logger.exception("list_my_tickets failed")
        return UNAVAILABLE
    if meant is not None:
        return _describe(meant, events)
    if not rows:
        return f"The customer has no {status + ' ' if status else ''}tickets."
    return "\n".join(_line(ticket) for ticket in rows)


@tool(parse_docstring=True)
async def create_ticket(
    subject: str, description: str, runtime: ToolRuntime[Context, Any], category: str | None = None
) -> str:
    """Open a new support ticket for the customer's problem, for a person on our team to follow up.

    Args:
        subject: The problem in a few words.
        description: What happened, what the customer tried and what they need.
        category: Optional category, like billing, technical or account.
        runtime: Who is asking, from the run (not part of the tool's schema).
    """
    tenant, customer_id = identity(runtime)
    if customer_id == "anonymous":
        return ANONYMOUS
    subject, description = subject.strip(), description.strip()
    if not subject:
        return "A ticket needs a subject: say in a few words what the problem is."
    if len(subject) > _SUBJECT_MAX or len(description) > _DESCRIPTION_MAX:
        return f"Too long: keep the subject under {_SUBJECT_MAX} and the description under {_DESCRIPTION_MAX} chars."
    intent = state_value(runtime, "intent")
    ticket_category = category_for(intent, category)
    thread_id = (runtime.config.get("configurable") or {}).get("thread_id")
    try:
        customer = await get_customer(None, tenant, customer_id)
        tier = customer["tier"] if customer else "standard"
        language = state_value(runtime, "language") or (customer["language"] if customer else "en")
        team = await route_team(None, tenant, intent=intent, category=ticket_category, tier=tier, language=language)
        ticket = await ticket_store.create_ticket(
            None,
            tenant=tenant,
            customer_id=customer_id,
            subject=subject,
            description=description,
            category=ticket_category,
            priority=priority_for(tier, state_value(runtime, "urgency")),
            team=team,
            thread_id=str(thread_id) if thread_id else None,
            actor="bot",
        )
    except CustomerNotFoundError:
        return ANONYMOUS
    except psycopg.Error:
        logger.exception("create_ticket failed")
        return UNAVAILABLE
    return (
        f"Created ticket {ticket['id']} ({ticket['category']}, priority {ticket['priority']}, team {team}):"
        f" {ticket['subject']}"
    )


@tool(parse_docstring=True)
async def update_ticket(
    ticket_id: str,
    runtime: ToolRuntime[Context, Any],
    comment: str | None = None,
    status: Literal["pending", "customer_reply"] | None = None,
) -> str:
    """Add the customer's comment to one of their tickets, or mark it as waiting for them or answered by them.

    Args:
        ticket_id: The ticket's id, like T-1042.
        comment: What the customer wants added to the ticket, in their words.
        status: "pending" while we wait for the customer, "customer_reply" when they have answered.
        runtime: Who is asking, from the run (not part of the tool's schema).
    """
    tenant, customer_id = identity(runtime)
    if customer_id == "anonymous":
        return ANONYMOUS
    comment = (comment or "").strip() or None
    if status is not None and status not in _CUSTOMER_STATUSES:
        return "The status can only be set to 'pending' or 'customer_reply'; other changes are made by the team."
    if comment is None and status is None:
        return "Nothing to update: give a comment or a status."
    if comment is not None and len(comment) > _COMMENT_MAX:
        return f"The comment is too long (limit {_COMMENT_MAX} characters)."
    try:
        ticket = await ticket_store.update_ticket(
            None,
            tenant=tenant,
            ticket_id=ticket_id,
            actor="customer",
            customer_id=customer_id,
            status=_CUSTOMER_STATUSES[status] if status else None,
            comment=comment,
        )
    except ticket_store.TicketNotFoundError:
        return _not_found(ticket_id)
    except ticket_store.InvalidTransitionError as error:
        return f"Ticket {error.ticket_id} is {error.current}; it can't be set to {status} now."
    except psycopg.Error:
        logger.exception("update_ticket failed")
        return UNAVAILABLE
    done = " and ".join(
        part for part in ("comment added" if comment else "", f"status {ticket['status']}" if status else "") if part
    )
    return f"Ticket {ticket['id']} updated: {done}."


TICKET_TOOLS = [lookup_ticket, list_my_tickets, create_ticket, update_ticket]
