"""Escalation to a person: route, prioritise, open or update the ticket, and put the thread in the inbox.

The graph's escalate node calls :func:`open_handoff` and passes the record it returns to ``interrupt()``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from support.connections import Db, acquire, fetch_all, fetch_one, fetch_required
from support.customers import ensure_customer
from support.handoff_lifecycle import OPEN, next_status, ticket_status_for
from support.handoff_summary import build_summary, normalise_transcript
from support.routing import PRIORITY_RANK, category_for, priority_for, route_team
from support.tickets import add_event, create_ticket, find_open_ticket, set_ticket_status, update_ticket

_SUBJECT_CHARS = 80
# Too broad to say two conversations are about the same issue.
VAGUE_CATEGORIES = frozenset({"general", "feedback"})


def _subject(category: str, transcript: list[dict[str, str]], reason: str) -> str:
    said = next((t["content"] for t in reversed(transcript) if t["role"] == "customer" and t["content"]), "")
    said = " ".join(said.split())
    if len(said) > _SUBJECT_CHARS:
        said = said[: _SUBJECT_CHARS - 1] + "…"
    return f"{category.replace('_', ' ').capitalize()}: {said or reason.replace('_', ' ')}"


def _higher(first: str, second: str) -> str:
    return first if PRIORITY_RANK[first] >= PRIORITY_RANK[second] else second


async def open_handoff(
    *,
    tenant: str,
    customer_id: str,
    thread_id: str,
    reason: str,
    intent: str | None = None,
    category: str | None = None,
    urgency: str | None = None,
    language: str | None = None,
    sentiment: str | None = None,
    summary: str | None = None,
    transcript_tail: Sequence[Any] | None = None,
    db: Db | None = None,
) -> dict[str, Any]:
    """Hand the thread to a person and return the record the graph passes to ``interrupt()``.

    While the thread has an open handoff (support/handoff_lifecycle.py) the customer's message joins it:
    same ticket, team and person. Otherwise a new handoff reuses the customer's open ticket from this thread
    or on the same category instead of opening a duplicate.
    """
    transcript = normalise_transcript(transcript_tail)
    async with acquire(db) as conn, conn.transaction():
        current = await fetch_one(
            conn,
            "SELECT * FROM handoffs WHERE tenant = %s AND thread_id = %s AND status = ANY(%s) FOR UPDATE",
            (tenant, thread_id, list(OPEN)),
        )
        if current is not None:
            return await _join_handoff(
                conn, current, transcript=transcript, urgency=urgency, sentiment=sentiment, summary=summary
            )
        customer = await ensure_customer(conn, tenant, customer_id)
        ticket_category = category_for(intent, category, reason=reason)
        team = await route_team(
            conn,
            tenant,
            intent=intent,
            category=ticket_category,
            tier=customer["tier"],
            language=language or customer["language"],
        )
        priority = priority_for(customer["tier"], urgency)
        ticket = await find_open_ticket(
            conn,
            tenant,
            customer_id,
            thread_id=thread_id,
            category=None if ticket_category in VAGUE_CATEGORIES else ticket_category,
        )
        ticket_is_new = ticket is None
        if ticket is None:
            ticket = await create_ticket(
                conn,
                tenant=tenant,
                customer_id=customer_id,
                subject=_subject(ticket_category, transcript, reason),
                description=summary or "",
                category=ticket_category,
                priority=priority,
                team=team,
                tags=["escalated", reason],
                thread_id=thread_id,
                actor="bot",
            )
        else:
            priority = _higher(ticket["priority"], priority)
            ticket = await update_ticket(
                conn,
                tenant=tenant,
                ticket_id=ticket["id"],
                actor="bot",
                priority=priority,
                team=team,
                status="open" if ticket["status"] == "pending" else None,
                tags=sorted({*ticket["tags"], "escalated", reason}),
            )
        others = await fetch_all(
            conn,
            "SELECT id, category, status FROM tickets WHERE tenant = %s AND customer_id = %s AND id <> %s"
            " AND status IN ('open','in_progress','pending') ORDER BY updated_at DESC LIMIT 3",
            (tenant, customer_id, ticket["id"]),
        )
        note = build_summary(
            customer=customer,
            ticket_id=ticket["id"],
            ticket_is_new=ticket_is_new,
            team=team,
            priority=priority,
            reason=reason,
            intent=intent,
            category=ticket_category,
            urgency=urgency,
            sentiment=sentiment,
            language=language,
            bot_summary=summary,
            transcript=transcript,
            other_open_tickets=others,
        )
        await add_event(
            conn,
            tenant,
            ticket["id"],
            kind="handoff",
            actor="bot",
            body=note,
            data={"reason": reason, "team": team, "thread_id": thread_id},
        )
        row = await fetch_required(
            conn,
            "INSERT INTO handoffs (tenant, thread_id, ticket_id, customer_id, team, priority, reason, intent,"
            " category, urgency, language, sentiment, summary, transcript_tail)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                tenant,
                thread_id,
                ticket["id"],
                customer_id,
                team,
                priority,
                reason,
                intent,
                ticket_category,
                urgency,
                language,
                sentiment,
                note,
                Jsonb(transcript),
            ),
        )
    return _record(
        row["id"], thread_id, ticket["id"], team, priority, reason, note, customer_id, tenant, "waiting", None, True
    )


def _record(
    handoff_id: int,
    thread_id: str,
    ticket_id: str | None,
    team: str,
    priority: str,
    reason: str,
    summary: str,
    customer_id: str,
    tenant: str,
    status: str,
    agent: str | None,
    opened: bool,
) -> dict[str, Any]:
    """What the graph passes to ``interrupt()``: the inbox entry as the person (and agent-inbox) sees it."""
    return {
        "kind": "handoff",
        "handoff_id": handoff_id,
        "thread_id": thread_id,
        "ticket_id": ticket_id,
        "team": team,
        "priority": priority,
        "reason": reason,
        "summary": summary,
        "customer_id": customer_id,
        "tenant": tenant,
        "status": status,
        "agent": agent,
        "opened": opened,
    }


async def _join_handoff(
    conn: Db,
    current: dict[str, Any],
    *,
    transcript: list[dict[str, str]],
    urgency: str | None,
    sentiment: str | None,
    summary: str | None,
) -> dict[str, Any]:
    """The customer wrote while a person is in charge: the message joins the open handoff and its ticket.

    The team, the ticket and the person stay; the transcript, sentiment and urgency follow the
    conversation, the priority only goes up, and the person who has it is told (unread count, a ticket
    event and a NOTIFY on ``support_inbox``).
    """
    status = next_status(current["status"], "customer_message")
    customer = await ensure_customer(conn, current["tenant"], current["customer_id"])
    priority = _higher(current["priority"], priority_for(customer["tier"], urgency))
    said = next((t["content"] for t in reversed(transcript) if t["role"] == "customer"), "")
    row = await fetch_required(
        conn,
        "UPDATE handoffs SET status = %s, priority = %s, urgency = COALESCE(%s, urgency),"
        " sentiment = COALESCE(%s, sentiment), transcript_tail = %s, unread = unread + 1,"
        " customer_wrote_at = now(), updated_at = now() WHERE id = %s RETURNING *",
        (status, priority, urgency, sentiment, Jsonb(transcript), current["id"]),
    )
    if row["ticket_id"]:
        await add_event(
            conn,
            row["tenant"],
            row["ticket_id"],
            kind="customer_message",
            actor=f"customer:{row['customer_id']}",
            body=said,
            data={"thread_id": row["thread_id"], "handoff_id": row["id"]},
        )
        if status == "claimed":
            await set_ticket_status(conn, row["tenant"], row["ticket_id"], ticket_status_for(status), actor="bot")
    await fetch_one(
        conn,
        "SELECT pg_notify('support_inbox', %s) AS sent",
        (json.dumps({"event": "customer_message", "handoff_id": row["id"], "claimed_by": row["claimed_by"]}),),
    )
    del summary  # the handoff keeps the summary written when it was opened; the transcript carries the rest
    return _record(
        row["id"],
        row["thread_id"],
        row["ticket_id"],
        row["team"],
        row["priority"],
        row["reason"],
        row["summary"],
        row["customer_id"],
        row["tenant"],
        row["status"],
        row["claimed_by"],
        False,
    )


async def repeat_contact_open_issue(
    tenant: str,
    customer_id: str,
    intent: str | None = None,
    category: str | None = None,
    *,
    thread_id: str | None = None,
    db: Db | None = None,
) -> bool:
    """True when the customer already has an unresolved ticket on this issue opened from another conversation."""
    if not intent and not category:
        return False
    wanted = category_for(intent, category)
    if wanted in VAGUE_CATEGORIES:
        return False
    rows = await fetch_all(
        db,
        "SELECT 1 FROM tickets WHERE tenant = %s AND customer_id = %s AND category = %s"
        " AND status IN ('open','in_progress','pending') AND thread_id IS DISTINCT FROM %s LIMIT 1",
        (tenant, customer_id, wanted, thread_id),
    )
    return bool(rows)
