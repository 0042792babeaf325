"""How conversations end: confirmed or assumed resolution, CSAT rating, recorded per thread and per ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from settings import get_settings
from support.connections import Db, Row, acquire, fetch_all, fetch_required
from support.handoff_lifecycle import OPEN
from support.redaction import redact_text
from support.tickets import add_event

ResolvedBy = Literal["bot", "human"]


class RatingOutOfRangeError(ValueError):
    """A CSAT rating outside 1-5."""


async def confirm_resolution(
    tenant: str, thread_id: str, customer_id: str, by: ResolvedBy, *, db: Db | None = None
) -> Row:
    """The customer said it is solved: record it on the thread and resolve the thread's open tickets."""
    if by not in ("bot", "human"):
        raise ValueError("by must be 'bot' or 'human'")
    async with acquire(db) as conn, conn.transaction():
        outcome = await fetch_required(
            conn,
            "INSERT INTO conversation_outcomes (thread_id, tenant, customer_id, resolution, resolved_by, ended_at)"
            " VALUES (%s, %s, %s, 'confirmed', %s, now()) ON CONFLICT (thread_id) DO UPDATE SET"
            " resolution = 'confirmed', resolved_by = EXCLUDED.resolved_by,"
            " ended_at = COALESCE(conversation_outcomes.ended_at, now()), updated_at = now() RETURNING *",
            (thread_id, tenant, customer_id, by),
        )
        await _resolve_thread_tickets(
            conn, tenant, thread_id, resolution="confirmed", actor=by, statuses=("open", "in_progress", "pending")
        )
    return outcome


async def _resolve_thread_tickets(
    conn: Db, tenant: str, thread_id: str, *, resolution: str, actor: str, statuses: tuple[str, ...]
) -> list[str]:
    rows = await fetch_all(
        conn,
        "UPDATE tickets SET status = 'resolved', resolution = %s, resolved_at = COALESCE(resolved_at, now()),"
        " updated_at = now() WHERE tenant = %s AND thread_id = %s AND status = ANY(%s)"
        # A ticket a person is in charge of is resolved by that person's close, not by the bot.
        " AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.ticket_id = tickets.id AND h.status = ANY(%s))"
        " RETURNING id",
        (resolution, tenant, thread_id, list(statuses), list(OPEN)),
    )
    for row in rows:
        await add_event(
            conn, tenant, row["id"], kind="resolution", actor=actor, body=resolution, data={"thread_id": thread_id}
        )
    return [str(row["id"]) for row in rows]


async def end_conversation(
    db: Db | None, *, tenant: str, thread_id: str, customer_id: str, rating: int | None, comment: str | None = None
) -> Row:
    """Close the conversation with an optional CSAT rating (1-5) and comment, on the thread and its tickets."""
    if rating is not None and not 1 <= rating <= 5:
        raise RatingOutOfRangeError(f"rating must be between 1 and 5, got {rating}")
    async with acquire(db) as conn, conn.transaction():
        outcome = await fetch_required(
            conn,
            "INSERT INTO conversation_outcomes (thread_id, tenant, customer_id, rating, comment, ended_at)"
            " VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (thread_id) DO UPDATE SET"
            " rating = COALESCE(EXCLUDED.rating, conversation_outcomes.rating),"
            " comment = COALESCE(EXCLUDED.comment, conversation_outcomes.comment),"
            " ended_at = now(), updated_at = now() RETURNING *",
            (thread_id, tenant, customer_id, rating, redact_text(comment)),
        )
        if rating is not None:
            tickets = await fetch_all(
                conn,
                "UPDATE tickets SET satisfaction = %s, updated_at = now() WHERE tenant = %s AND thread_id = %s"
                " RETURNING id",
                (rating, tenant, thread_id),
            )
            for ticket in tickets:
                await add_event(
                    conn,
                    tenant,
                    ticket["id"],
                    kind="csat",
                    actor="customer",
                    body=comment,
                    data={"rating": rating, "thread_id": thread_id},
                )
    return outcome


async def sweep_assumed_resolutions(now: datetime | None = None, *, db: Db | None = None) -> int:
    """Mark threads silent for ``resolution_assume_after_hours`` as resolved ("assumed"); returns how many.

    Threads still waiting for a person are skipped. Their tickets that were waiting on the customer
    (pending) are resolved too; tickets waiting on us stay open.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(hours=get_settings().resolution_assume_after_hours)
    async with acquire(db) as conn, conn.transaction():
        rows = await fetch_all(
            conn,
            "WITH silent AS ("
            " SELECT e.thread_id, min(e.tenant) AS tenant, min(e.customer_id) AS customer_id,"
            "  max(e.created_at) AS last_at FROM conversation_events e GROUP BY e.thread_id"
            " HAVING max(e.created_at) < %s)"
            " INSERT INTO conversation_outcomes AS o"
            "  (thread_id, tenant, customer_id, resolution, resolved_by, ended_at)"
            " SELECT s.thread_id, s.tenant, s.customer_id, 'assumed',"
            "  CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.thread_id = s.thread_id"
            "   AND h.status IN ('answered','closed')) THEN 'human' ELSE 'bot' END, s.last_at"
            " FROM silent s"
            " WHERE NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.thread_id = s.thread_id"
            "  AND h.status = ANY(%s))"
            " AND NOT EXISTS (SELECT 1 FROM conversation_outcomes x WHERE x.thread_id = s.thread_id"
            "  AND x.resolution IS NOT NULL)"
            " ON CONFLICT (thread_id) DO UPDATE SET resolution = 'assumed', resolved_by = EXCLUDED.resolved_by,"
            "  ended_at = COALESCE(o.ended_at, EXCLUDED.ended_at), updated_at = now()"
            " RETURNING o.thread_id, o.tenant, o.resolved_by",
            (cutoff, list(OPEN)),
        )
        for row in rows:
            await _resolve_thread_tickets(
                conn, row["tenant"], row["thread_id"], resolution="assumed", actor="system", statuses=("pending",)
            )
    return len(rows)
