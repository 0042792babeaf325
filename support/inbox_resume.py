"""A person's action that resumed a paused thread without our inbox routes, recorded as if the inbox had taken it.

LangChain's agent-inbox answers an escalation through the LangGraph API itself (``runs.create`` with
``command={"resume": [HumanResponse]}``); the graph's await_human node calls :func:`record_direct_resume` so the
handoff row and the ticket change exactly as when the same person acts in our inbox (support/inbox.py). Our own
routes record their actions themselves and are never passed here, so nothing is recorded twice; a step that is
executed again (a retried run) carries the same ``resume_key`` and is recorded once.
"""

from __future__ import annotations

import logging

from audit import log as audit
from support.connections import Db, acquire, fetch_one
from support.handoff_lifecycle import TransitionError, next_status
from support.inbox import Action, enter_status, finish_action, get_handoff

logger = logging.getLogger(__name__)


async def staff_email(db: Db | None, tenant: str, account_id: str) -> str | None:
    """The email a staff account acts under in the inbox (what the console records as ``claimed_by``)."""
    row = await fetch_one(db, "SELECT email FROM staff_accounts WHERE tenant = %s AND id = %s", (tenant, account_id))
    return str(row["email"]) if row else None


async def record_direct_resume(
    *,
    tenant: str,
    handoff_id: int,
    action: Action,
    agent: str,
    text: str,
    resume_key: str | None,
    staff_account_id: str | None = None,
    actor_role: str | None = None,
    actor_subject: str | None = None,
    resolution: str | None = None,
    db: Db | None = None,
) -> str:
    """Move the handoff and its ticket for the action and audit it, once per ``resume_key``; returns who acted.

    ``staff_account_id`` is the signed-in staff member who resumed the thread, when it was one (their email then
    replaces ``agent``); ``actor_role``/``actor_subject`` name the credential in the audit log, as our inbox routes
    do. An action the handoff's state does not allow is logged and not recorded.
    """
    async with acquire(db) as conn, conn.transaction():
        if staff_account_id:
            agent = await staff_email(conn, tenant, staff_account_id) or agent
        current = await fetch_one(
            conn, "SELECT * FROM handoffs WHERE tenant = %s AND id = %s FOR UPDATE", (tenant, handoff_id)
        )
        if current is None or (resume_key is not None and current["resumed_by"] == resume_key):
            return agent
        try:
            status = next_status(current["status"], action)
        except TransitionError as error:
            logger.warning("handoff %s resumed directly: %s; not recorded", handoff_id, error)
            return agent
        await enter_status(conn, handoff_id, status, agent, resumed_by=resume_key)
        handoff = await get_handoff(conn, tenant, handoff_id)
        await finish_action(conn, handoff, action, agent=agent, text=text or None, resolution=resolution)
        details = {"agent": agent, "thread_id": handoff["thread_id"], "via": "langgraph_api"}
        await audit.write(
            conn,
            tenant,
            f"inbox.{action}",
            "handoff",
            handoff_id,
            details,
            actor_role=actor_role,
            actor_subject=actor_subject,
        )
    return agent
