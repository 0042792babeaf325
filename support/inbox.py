"""The handoff inbox: threads waiting for a person, claiming one, and a person's actions on it.

What may happen in each state is support/handoff_lifecycle.py's; here every change is a row-locked UPDATE,
so two people can never claim or answer the same handoff: the second one gets :class:`HandoffConflictError`
with the actions still allowed.
"""

from __future__ import annotations

from typing import Literal

from support.connections import Db, Row, acquire, fetch_all, fetch_one
from support.handoff_lifecycle import OPEN, TransitionError, allowed_staff_actions, next_status, ticket_status_for
from support.outcomes import confirm_resolution
from support.redaction import redact_text
from support.tickets import add_event, set_ticket_status

Action = Literal["reply", "handback", "close"]
PAUSED = OPEN
"""States in which the graph is paused in interrupt() and a person's action resumes it."""
UNRESOLVED_WORDS = ("unresolved", "not resolved", "no resolution", "wont_fix", "won't fix")

_INBOX_SELECT = (
    "SELECT h.id, h.tenant, h.thread_id, h.ticket_id, h.customer_id, h.team, h.priority, h.reason, h.intent,"
    " h.category, h.urgency, h.language, h.sentiment, h.summary, h.transcript_tail, h.status, h.claimed_by,"
    " h.resolution, h.created_at, h.claimed_at, h.answered_at, h.closed_at, h.unread, h.customer_wrote_at,"
    " extract(epoch FROM (COALESCE(h.answered_at, h.closed_at, now()) - h.created_at))::int AS waiting_seconds,"
    " c.name AS customer_name, c.email AS customer_email, COALESCE(c.tier, 'standard') AS tier,"
    " t.status AS ticket_status, t.subject AS ticket_subject"
    " FROM handoffs h LEFT JOIN customers c ON c.id = h.customer_id"
    " LEFT JOIN tickets t ON t.id = h.ticket_id"
)


class HandoffNotFoundError(LookupError):
    """No handoff with that id in the tenant."""


class HandoffConflictError(RuntimeError):
    """The handoff's state does not allow this action (already claimed, answered or closed)."""

    def __init__(self, handoff: Row, action: str, *, claimed_by_other: bool = False) -> None:
        self.handoff_id = handoff["id"]
        self.status = handoff["status"]
        self.claimed_by = handoff["claimed_by"]
        self.action = action
        self.allowed = [] if claimed_by_other else allowed_staff_actions(handoff["status"])
        why = f"claimed by {self.claimed_by}" if claimed_by_other else f"is {self.status}"
        super().__init__(
            f"handoff {self.handoff_id} {why}; cannot {action}; allowed: {', '.join(self.allowed) or 'none'}"
        )


async def list_inbox(
    db: Db | None,
    tenant: str,
    *,
    statuses: tuple[str, ...] = PAUSED,
    team: str | None = None,
    limit: int = 100,
) -> list[Row]:
    """Handoffs in ``statuses``: most urgent first, then the longest waiting."""
    return await fetch_all(
        db,
        _INBOX_SELECT + " WHERE h.tenant = %s AND h.status = ANY(%s) AND (%s::text IS NULL OR h.team = %s)"
        " ORDER BY CASE h.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,"
        " h.created_at, h.id LIMIT %s",
        (tenant, list(statuses), team, team, limit),
    )


async def get_handoff(db: Db | None, tenant: str, handoff_id: int) -> Row:
    """One handoff with its customer and ticket facts; raises HandoffNotFoundError."""
    row = await fetch_one(db, _INBOX_SELECT + " WHERE h.tenant = %s AND h.id = %s", (tenant, handoff_id))
    if row is None:
        raise HandoffNotFoundError(handoff_id)
    return row


async def claim_handoff(db: Db | None, tenant: str, handoff_id: int, agent: str) -> Row:
    """Take a waiting handoff; its ticket goes in progress. A second claim raises HandoffConflictError."""
    async with acquire(db) as conn, conn.transaction():
        claimed = await fetch_one(
            conn,
            "UPDATE handoffs SET status = 'claimed', claimed_by = %s, claimed_at = now(), updated_at = now()"
            " WHERE tenant = %s AND id = %s AND status = 'waiting' RETURNING id, ticket_id",
            (agent, tenant, handoff_id),
        )
        if claimed is None:
            current = await get_handoff(conn, tenant, handoff_id)
            raise HandoffConflictError(current, "claim")
        if claimed["ticket_id"]:
            await set_ticket_status(
                conn, tenant, claimed["ticket_id"], ticket_status_for("claimed"), actor=f"agent:{agent}"
            )
        return await get_handoff(conn, tenant, handoff_id)


async def assign_handoff(db: Db | None, tenant: str, handoff_id: int, agent: str, *, by: str) -> Row:
    """A supervisor gives an open handoff to ``agent`` (a waiting one becomes claimed); ended ones conflict."""
    async with acquire(db) as conn, conn.transaction():
        current = await fetch_one(
            conn, "SELECT * FROM handoffs WHERE tenant = %s AND id = %s FOR UPDATE", (tenant, handoff_id)
        )
        if current is None:
            raise HandoffNotFoundError(handoff_id)
        if current["status"] not in OPEN:
            raise HandoffConflictError(current, "assign")
        status = next_status(current["status"], "claim") if current["status"] == "waiting" else current["status"]
        await fetch_one(
            conn,
            "UPDATE handoffs SET status = %s, claimed_by = %s, claimed_at = COALESCE(claimed_at, now()),"
            " updated_at = now() WHERE id = %s RETURNING id",
            (status, agent, handoff_id),
        )
        if current["ticket_id"]:
            await add_event(
                conn,
                tenant,
                current["ticket_id"],
                kind="assigned",
                actor=by,
                body=agent,
                data={"from": current["claimed_by"]},
            )
            if status != current["status"]:
                await set_ticket_status(conn, tenant, current["ticket_id"], ticket_status_for(status), actor=by)
        return await get_handoff(conn, tenant, handoff_id)


async def begin_action(db: Db | None, tenant: str, handoff_id: int, action: Action, agent: str) -> tuple[str, Row]:
    """Move the handoff to the action's state before the thread is resumed; returns (previous status, handoff).

    Only the person who claimed it (or anyone while it waits) may act; whoever comes second gets a conflict.
    """
    async with acquire(db) as conn, conn.transaction():
        current = await fetch_one(
            conn, "SELECT * FROM handoffs WHERE tenant = %s AND id = %s FOR UPDATE", (tenant, handoff_id)
        )
        if current is None:
            raise HandoffNotFoundError(handoff_id)
        try:
            status = next_status(current["status"], action)
        except TransitionError:
            raise HandoffConflictError(current, action) from None
        if current["claimed_by"] not in (None, agent):
            raise HandoffConflictError(current, action, claimed_by_other=True)
        await enter_status(conn, handoff_id, status, agent)
        return str(current["status"]), await get_handoff(conn, tenant, handoff_id)


async def enter_status(
    db: Db | None, handoff_id: int, status: str, agent: str, *, resumed_by: str | None = None
) -> None:
    """Put the handoff in ``status`` after ``agent``'s action (the one UPDATE every way of acting shares).

    ``resumed_by`` is the graph step that resumed the thread directly (see support.inbox_resume), kept so that a
    retried step is not recorded twice; our routes leave it as it was.
    """
    await fetch_one(
        db,
        "UPDATE handoffs SET status = %s, claimed_by = COALESCE(claimed_by, %s),"
        " claimed_at = COALESCE(claimed_at, now()),"
        " answered_at = CASE WHEN %s = 'answered' THEN now() ELSE answered_at END,"
        " closed_at = CASE WHEN %s IN ('closed','handed_back') THEN now() ELSE closed_at END,"
        " unread = CASE WHEN %s = 'answered' THEN 0 ELSE unread END,"
        " resumed_by = COALESCE(%s, resumed_by), updated_at = now() WHERE id = %s RETURNING id",
        (status, agent, status, status, status, resumed_by, handoff_id),
    )


async def undo_action(db: Db | None, tenant: str, handoff_id: int, previous_status: str) -> None:
    """Put the handoff back where it was when resuming the thread failed, so the person can try again."""
    await fetch_one(
        db,
        "UPDATE handoffs SET status = %s, answered_at = CASE WHEN %s = 'answered' THEN answered_at END,"
        " closed_at = NULL, claimed_by = CASE WHEN %s = 'waiting' THEN NULL ELSE claimed_by END,"
        " claimed_at = CASE WHEN %s = 'waiting' THEN NULL ELSE claimed_at END, updated_at = now()"
        " WHERE tenant = %s AND id = %s RETURNING id",
        (previous_status, previous_status, previous_status, previous_status, tenant, handoff_id),
    )


async def finish_action(
    db: Db | None, handoff: Row, action: Action, *, agent: str, text: str | None, resolution: str | None
) -> Row:
    """Record the person's action on the ticket (history, status) and, on close, on the conversation outcome."""
    tenant, ticket_id, actor = handoff["tenant"], handoff["ticket_id"], f"agent:{agent}"
    async with acquire(db) as conn, conn.transaction():
        if action == "reply" and ticket_id:
            await add_event(conn, tenant, ticket_id, kind="agent_reply", actor=actor, body=text)
            await set_ticket_status(conn, tenant, ticket_id, ticket_status_for("answered"), actor=actor)
        elif action == "handback" and ticket_id:
            await add_event(conn, tenant, ticket_id, kind="handback", actor=actor, body=text)
            await set_ticket_status(conn, tenant, ticket_id, ticket_status_for("handed_back"), actor=actor)
        elif action == "close":
            unresolved = any(word in (resolution or "").lower() for word in UNRESOLVED_WORDS)
            await fetch_one(
                conn,
                "UPDATE handoffs SET resolution = %s WHERE id = %s RETURNING id",
                (redact_text(resolution or "resolved"), handoff["id"]),
            )
            if ticket_id:
                await set_ticket_status(
                    conn,
                    tenant,
                    ticket_id,
                    "closed" if unresolved else "resolved",
                    actor=actor,
                    resolution=resolution or "resolved by agent",
                    comment=text,
                )
            if unresolved:
                await fetch_one(
                    conn,
                    "INSERT INTO conversation_outcomes (thread_id, tenant, customer_id, resolution, resolved_by,"
                    " ended_at) VALUES (%s, %s, %s, 'unresolved', NULL, now()) ON CONFLICT (thread_id) DO UPDATE"
                    " SET resolution = 'unresolved', resolved_by = NULL, updated_at = now() RETURNING thread_id",
                    (handoff["thread_id"], tenant, handoff["customer_id"]),
                )
            elif resolution and "confirm" in resolution.lower():
                await confirm_resolution(tenant, handoff["thread_id"], handoff["customer_id"], "human", db=conn)
        return await get_handoff(conn, tenant, handoff["id"])
