"""Tickets and their history: create, find, list, change status with transition rules, comment."""

from __future__ import annotations

from typing import Any, Literal, get_args

from psycopg.types.json import Jsonb

from support.connections import Db, Row, acquire, fetch_all, fetch_one, fetch_required
from support.customers import ensure_customer
from support.redaction import redact_text, redact_value

Status = Literal["open", "in_progress", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
STATUSES: tuple[str, ...] = get_args(Status)
PRIORITIES: tuple[str, ...] = get_args(Priority)
OPEN_STATUSES: tuple[str, ...] = ("open", "in_progress", "pending")

# Closed is final; a resolved ticket can be reopened when the customer says it is not fixed.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "pending", "resolved", "closed"),
    "in_progress": ("open", "pending", "resolved", "closed"),
    "pending": ("open", "in_progress", "resolved", "closed"),
    "resolved": ("open", "closed"),
    "closed": (),
}

_SELECT = (
    "SELECT id, tenant, customer_id, subject, description, status, priority, category, team, tags, thread_id,"
    " resolution, satisfaction, created_at, updated_at, resolved_at FROM tickets"
)


class TicketNotFoundError(LookupError):
    """No such ticket for this tenant (or for this customer)."""


class InvalidTransitionError(ValueError):
    """A status change the ticket's current status does not allow."""

    def __init__(self, ticket_id: str, current: str, requested: str) -> None:
        self.ticket_id = ticket_id
        self.current = current
        self.requested = requested
        self.allowed = list(ALLOWED_TRANSITIONS.get(current, ()))
        super().__init__(
            f"ticket {ticket_id} cannot go from {current!r} to {requested!r};"
            f" allowed: {', '.join(self.allowed) or 'none (closed is final)'}"
        )


async def get_ticket(db: Db | None, tenant: str, ticket_id: str, *, customer_id: str | None = None) -> Row | None:
    """The ticket, or None; with ``customer_id`` only when that customer owns it."""
    return await fetch_one(
        db,
        _SELECT + " WHERE id = %s AND tenant = %s AND (%s::text IS NULL OR customer_id = %s)",
        (ticket_id.strip().upper(), tenant, customer_id, customer_id),
    )


async def list_tickets(
    db: Db | None,
    tenant: str,
    *,
    customer_id: str | None = None,
    status: str | None = None,
    team: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Row]:
    """Tickets of the tenant, most recently updated first, filtered by customer, status or team."""
    return await fetch_all(
        db,
        _SELECT + " WHERE tenant = %s AND (%s::text IS NULL OR customer_id = %s)"
        " AND (%s::text IS NULL OR status = %s) AND (%s::text IS NULL OR team = %s)"
        " ORDER BY updated_at DESC, id DESC LIMIT %s OFFSET %s",
        (tenant, customer_id, customer_id, status, status, team, team, limit, offset),
    )


async def find_open_ticket(
    db: Db | None, tenant: str, customer_id: str, *, thread_id: str | None = None, category: str | None = None
) -> Row | None:
    """The customer's newest unresolved ticket from this thread, else on this category."""
    return await fetch_one(
        db,
        _SELECT + " WHERE tenant = %s AND customer_id = %s AND status IN ('open','in_progress','pending')"
        " AND ((%s::text IS NOT NULL AND thread_id = %s) OR (%s::text IS NOT NULL AND category = %s))"
        " ORDER BY (thread_id IS NOT DISTINCT FROM %s) DESC, updated_at DESC LIMIT 1",
        (tenant, customer_id, thread_id, thread_id, category, category, thread_id),
    )


async def add_event(
    db: Db | None,
    tenant: str,
    ticket_id: str,
    *,
    kind: str,
    actor: str,
    body: str | None = None,
    data: dict[str, Any] | None = None,
) -> Row:
    """Append one entry to the ticket's history."""
    return await fetch_required(
        db,
        "INSERT INTO ticket_events (ticket_id, tenant, kind, actor, body, data) VALUES (%s, %s, %s, %s, %s, %s)"
        " RETURNING id, ticket_id, kind, actor, body, data, created_at",
        (ticket_id, tenant, kind, actor, redact_text(body), Jsonb(redact_value(data or {}))),
    )


async def ticket_events(db: Db | None, tenant: str, ticket_id: str) -> list[Row]:
    """The ticket's history, oldest first."""
    return await fetch_all(
        db,
        "SELECT id, ticket_id, kind, actor, body, data, created_at FROM ticket_events"
        " WHERE ticket_id = %s AND tenant = %s ORDER BY id",
        (ticket_id, tenant),
    )


async def create_ticket(
    db: Db | None,
    *,
    tenant: str,
    customer_id: str,
    subject: str,
    description: str = "",
    category: str | None = None,
    priority: str = "normal",
    team: str | None = None,
    tags: list[str] | None = None,
    thread_id: str | None = None,
    actor: str = "customer",
) -> Row:
    """Open a ticket for the customer (created on first contact when unknown) and log its creation."""
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
    async with acquire(db) as conn, conn.transaction():
        await ensure_customer(conn, tenant, customer_id)
        row = await fetch_required(
            conn,
            "INSERT INTO tickets (tenant, customer_id, subject, description, category, priority, team, tags,"
            " thread_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                tenant,
                customer_id,
                redact_text(subject.strip()),
                redact_text(description.strip()),
                category or "general",
                priority,
                team,
                tags or [],
                thread_id,
            ),
        )
        await add_event(
            conn,
            tenant,
            row["id"],
            kind="created",
            actor=actor,
            body=subject.strip(),
            data={"priority": priority, "category": category or "general", "team": team},
        )
        return await fetch_required(conn, _SELECT + " WHERE id = %s", (row["id"],))


async def update_ticket(
    db: Db | None,
    *,
    tenant: str,
    ticket_id: str,
    actor: str,
    customer_id: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    team: str | None = None,
    category: str | None = None,
    tags: list[str] | None = None,
    resolution: str | None = None,
    comment: str | None = None,
) -> Row:
    """Apply changes atomically, each logged as a ticket event; raises on unknown ticket or a bad transition.

    With ``customer_id`` the ticket must belong to that customer (else it is "not found").
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if priority is not None and priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
    async with acquire(db) as conn, conn.transaction():
        current = await fetch_one(
            conn,
            _SELECT + " WHERE id = %s AND tenant = %s AND (%s::text IS NULL OR customer_id = %s) FOR UPDATE",
            (ticket_id.strip().upper(), tenant, customer_id, customer_id),
        )
        if current is None:
            raise TicketNotFoundError(ticket_id)
        ticket_id = current["id"]
        if status is not None and status != current["status"]:
            if status not in ALLOWED_TRANSITIONS[current["status"]]:
                raise InvalidTransitionError(ticket_id, current["status"], status)
            await add_event(
                conn, tenant, ticket_id, kind="status", actor=actor, data={"from": current["status"], "to": status}
            )
        for field, value in (("priority", priority), ("team", team), ("category", category)):
            if value is not None and value != current[field]:
                await add_event(
                    conn, tenant, ticket_id, kind=field, actor=actor, data={"from": current[field], "to": value}
                )
        if resolution is not None:
            await add_event(conn, tenant, ticket_id, kind="resolution", actor=actor, body=resolution)
        if comment:
            await add_event(conn, tenant, ticket_id, kind="comment", actor=actor, body=comment.strip())
        new_status = status or current["status"]
        await fetch_one(
            conn,
            "UPDATE tickets SET status = %s, priority = %s, team = %s, category = %s, tags = %s,"
            " resolution = COALESCE(%s, resolution), updated_at = now(),"
            " resolved_at = CASE WHEN %s IN ('resolved','closed') THEN COALESCE(resolved_at, now()) END"
            " WHERE id = %s RETURNING id",
            (
                new_status,
                priority or current["priority"],
                team or current["team"],
                category or current["category"],
                tags if tags is not None else current["tags"],
                redact_text(resolution),
                new_status,
                ticket_id,
            ),
        )
        return await fetch_required(conn, _SELECT + " WHERE id = %s", (ticket_id,))


async def set_ticket_status(
    conn: Db,
    tenant: str,
    ticket_id: str,
    status: str,
    *,
    actor: str,
    resolution: str | None = None,
    comment: str | None = None,
) -> None:
    """Change the ticket's status when its current status allows it (a closed ticket stays closed)."""
    current = await fetch_one(conn, "SELECT status FROM tickets WHERE tenant = %s AND id = %s", (tenant, ticket_id))
    if current is None:
        return
    allowed = current["status"] == status or status in ALLOWED_TRANSITIONS[current["status"]]
    await update_ticket(
        conn,
        tenant=tenant,
        ticket_id=ticket_id,
        actor=actor,
        status=status if allowed else None,
        resolution=resolution,
        comment=comment,
    )
