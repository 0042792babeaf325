"""Write the audit log: one row per staff or data-rights action, with the actor and client IP of the request.

Routes call ``record(...)`` once the action succeeded; the tenant, actor and IP come from the request being served
(``server.request_facts``), so a route never passes who it is serving. Details must not hold secrets or message
text: names of fields changed, counts and ids are enough to answer "who did what, when, from where".

The log outlives an erasure, so it never holds a customer id in clear: a customer target (and a ``customer_id``
in details) is stored as ``customer_ref``, a keyed hash that finds the records of a known id and reveals no other.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from db.pool import get_pool
from identity.model import Identity
from server.request_facts import current_request
from settings import get_settings

logger = logging.getLogger(__name__)


def customer_ref(tenant: str, customer_id: str) -> str:
    """The customer as the audit log names them: ``cust:`` and an HMAC of tenant and id (key: PII_HASH_SALT)."""
    key = get_settings().pii_hash_salt.encode()
    digest = hmac.new(key, f"{tenant}\x00{customer_id}".encode(), hashlib.sha256).hexdigest()
    return f"cust:{digest[:24]}"


async def record(
    action: str,
    target_type: str | None,
    target_id: str | int | None,
    details: dict[str, Any] | None = None,
    *,
    tenant: str | None = None,
    actor: Identity | None = None,
) -> None:
    """Append one row for ``action`` on ``target_type``/``target_id`` by the request's verified caller.

    ``tenant`` and ``actor`` override the request's (a failed sign-in has a tenant but no verified caller).
    """
    facts = current_request()
    actor = actor or (facts.identity if facts else None)
    tenant = tenant or (actor.tenant if actor else None)
    if tenant is None:
        logger.error("audit record %s on %s %s has no tenant; not written", action, target_type, target_id)
        return
    pool = await get_pool()
    async with pool.connection() as conn:
        await write(
            conn,
            tenant,
            action,
            target_type,
            target_id,
            details,
            actor_role=actor.role if actor else None,
            actor_subject=actor.subject if actor else None,
            client_ip=facts.client_ip if facts else "",
        )


async def write(
    conn: AsyncConnection[Any],
    tenant: str,
    action: str,
    target_type: str | None,
    target_id: str | int | None,
    details: dict[str, Any] | None,
    *,
    actor_role: str | None,
    actor_subject: str | None,
    client_ip: str = "",
) -> None:
    """Append one row on ``conn`` (inside the caller's transaction) with an actor the caller names.

    For actions taken where no request is being served, such as a run that a person resumed through the LangGraph
    API and a worker executes: the row commits or rolls back with the change it records.
    """
    if target_type == "customer" and target_id is not None:
        target_id = customer_ref(tenant, str(target_id))
    if details and isinstance(details.get("customer_id"), str):
        details = {**details, "customer_id": customer_ref(tenant, details["customer_id"])}
    await conn.execute(
        "INSERT INTO audit_log (tenant, actor_role, actor_subject, action, target_type, target_id, client_ip,"
        " details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            tenant,
            actor_role,
            actor_subject,
            action,
            target_type,
            None if target_id is None else str(target_id),
            client_ip,
            Jsonb(details or {}),
        ),
    )
