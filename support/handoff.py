"""Escalation to a person: route, prioritise, open or update the ticket, and put the thread in the inbox.

The graph's escalate node calls :func:`open_handoff` and passes the record it returns to ``interrupt()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from support.connections import Db, acquire, fetch_all, fetch_required
from support.customers import ensure_customer
from support.handoff_summary import build_summary, normalise_transcript
from support.routing import PRIORITY_RANK, category_for, priority_for, route_team
from support.tickets import add_event, create_ticket, find_open_ticket, update_ticket

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

    Reuses the customer's open ticket from this thread or on the same category instead of opening a
    duplicate, and keeps one open inbox entry per thread (a second escalation updates it).
    """
    transcript = normalise_transcript(transcript_tail)
    async with acquire(db) as conn, conn.transaction():
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
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (thread_id) WHERE status IN ('waiting','claimed') DO UPDATE SET"
            " ticket_id = EXCLUDED.ticket_id, team = EXCLUDED.team, priority = EXCLUDED.priority,"
            " reason = EXCLUDED.reason, intent = EXCLUDED.intent, category = EXCLUDED.category,"
            " urgency = EXCLUDED.urgency, language = EXCLUDED.language, sentiment = EXCLUDED.sentiment,"
            " summary = EXCLUDED.summary, transcript_tail = EXCLUDED.transcript_tail, updated_at = now()"
            " RETURNING id",
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
    return {
        "kind": "handoff",
        "handoff_id": row["id"],
        "thread_id": thread_id,
        "ticket_id": ticket["id"],
        "team": team,
        "priority": priority,
        "reason": reason,
        "summary": note,
        "customer_id": customer_id,
        "tenant": tenant,
    }


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
