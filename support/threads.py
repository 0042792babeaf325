"""Which customer a conversation thread belongs to, from our tables and Aegra's ``thread`` table."""

from __future__ import annotations

from support.connections import Db, fetch_one


async def aegra_tables_present(db: Db | None) -> bool:
    """Whether Aegra's tables live in this database (they do under the server, not in library tests)."""
    row = await fetch_one(db, "SELECT to_regclass('thread') IS NOT NULL AS present")
    return bool(row and row["present"])


async def thread_owner(db: Db | None, tenant: str, thread_id: str) -> str | None:
    """The customer id of ``thread_id`` within ``tenant``, or None when no table knows the thread."""
    row = await fetch_one(
        db,
        "SELECT customer_id FROM ("
        " SELECT customer_id, created_at FROM conversation_events WHERE thread_id = %s AND tenant = %s"
        " UNION ALL SELECT customer_id, created_at FROM handoffs WHERE thread_id = %s AND tenant = %s"
        " UNION ALL SELECT customer_id, created_at FROM tickets WHERE thread_id = %s AND tenant = %s"
        " UNION ALL SELECT customer_id, updated_at FROM conversation_outcomes"
        "  WHERE thread_id = %s AND tenant = %s AND customer_id IS NOT NULL"
        ") AS known ORDER BY created_at LIMIT 1",
        (thread_id, tenant) * 4,
    )
    if row is not None:
        return str(row["customer_id"])
    if not await aegra_tables_present(db):
        return None
    row = await fetch_one(
        db,
        "SELECT metadata_json->>'customer_id' AS customer_id FROM thread WHERE thread_id = %s"
        " AND COALESCE(metadata_json->>'tenant', substring(user_id FROM '^tenant:(.*)$'), 'default') = %s",
        (thread_id, tenant),
    )
    return str(row["customer_id"]) if row and row["customer_id"] else None
