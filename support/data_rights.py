"""A customer's data rights: export everything we hold about them as JSON, or erase all of it (support.erasure).

Conversations live in Aegra's tables (``thread``, ``runs``) and LangGraph's checkpoint and store tables in
the same database; memories live in the store under a namespace that contains the customer id.
"""

from __future__ import annotations

from typing import Any, LiteralString

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from support.connections import Db, acquire, fetch_all, fetch_one
from support.customers import CustomerNotFoundError, get_customer
from support.threads import aegra_tables_present

_OWN_THREADS: LiteralString = (
    "SELECT thread_id FROM conversation_events WHERE tenant = %(tenant)s AND customer_id = %(cid)s"
    " UNION SELECT thread_id FROM handoffs WHERE tenant = %(tenant)s AND customer_id = %(cid)s"
    " UNION SELECT thread_id FROM tickets WHERE tenant = %(tenant)s AND customer_id = %(cid)s"
    "  AND thread_id IS NOT NULL"
    " UNION SELECT thread_id FROM conversation_outcomes WHERE tenant = %(tenant)s AND customer_id = %(cid)s"
)
_AEGRA_THREADS: LiteralString = (
    " UNION SELECT thread_id FROM thread WHERE metadata_json->>'customer_id' = %(cid)s"
    "  AND COALESCE(metadata_json->>'tenant', substring(user_id FROM '^tenant:(.*)$'), 'default') = %(tenant)s"
    " UNION SELECT thread_id FROM runs WHERE (context->>'customer_id' = %(cid)s"
    "  OR config->'configurable'->>'customer_id' = %(cid)s)"
    "  AND COALESCE(context->>'tenant', substring(user_id FROM '^tenant:(.*)$'), 'default') = %(tenant)s"
)
# The store keeps a namespace as its labels joined by "."; everything of the customer lives under
# ("customers", tenant, customer_id, ...) (common contract; graph.memory escapes the labels).
_STORE_ROWS: LiteralString = (
    "SELECT prefix, key, value, created_at, updated_at FROM store"
    " WHERE prefix = %(store_root)s OR starts_with(prefix, %(store_root)s || '.')"
)


def _params(tenant: str, customer_id: str) -> dict[str, str]:
    from graph.memory import memory_namespace  # the graph owns the label escaping; imported late (heavy module)

    root = ".".join(memory_namespace(tenant, customer_id)[:3])
    return {"tenant": tenant, "cid": customer_id, "store_root": root}


async def customer_threads(db: Db | None, tenant: str, customer_id: str) -> list[str]:
    """Every thread id that belongs to the customer, from our tables and Aegra's."""
    query = _OWN_THREADS + (_AEGRA_THREADS if await aegra_tables_present(db) else "")
    rows = await fetch_all(db, query, {"tenant": tenant, "cid": customer_id})
    return sorted(str(row["thread_id"]) for row in rows)


def _message_json(message: Any) -> dict[str, Any]:
    if isinstance(message, BaseMessage):
        return {"type": message.type, "content": message.content, "name": message.name, "id": message.id}
    return {"type": type(message).__name__, "content": str(message)}


async def _thread_export(db: Db, thread_id: str, saver: AsyncPostgresSaver | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"thread_id": thread_id, "metadata": None, "messages": [], "runs": []}
    if saver is None:
        return entry
    thread = await fetch_one(
        db,
        "SELECT metadata_json AS metadata, status, created_at, updated_at FROM thread WHERE thread_id = %s",
        (thread_id,),
    )
    if thread is not None:
        entry.update(thread)
    entry["runs"] = await fetch_all(
        db,
        "SELECT run_id, status, created_at, updated_at FROM runs WHERE thread_id = %s ORDER BY created_at",
        (thread_id,),
    )
    checkpoint = await saver.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if checkpoint is not None:
        values = checkpoint.checkpoint.get("channel_values", {})
        entry["messages"] = [_message_json(m) for m in values.get("messages", [])]
        entry["summary"] = values.get("summary")
    return entry


async def export_customer(db: Db | None, tenant: str, customer_id: str) -> dict[str, Any]:
    """Everything about the customer: profile, tickets with history, threads with messages, memories, events."""
    async with acquire(db) as conn:
        profile = await get_customer(conn, tenant, customer_id)
        if profile is None:
            raise CustomerNotFoundError(customer_id)
        params = _params(tenant, customer_id)
        tickets = await fetch_all(
            conn,
            "SELECT * FROM tickets WHERE tenant = %(tenant)s AND customer_id = %(cid)s ORDER BY created_at",
            params,
        )
        for ticket in tickets:
            ticket["events"] = await fetch_all(
                conn,
                "SELECT kind, actor, body, data, created_at FROM ticket_events WHERE ticket_id = %s ORDER BY id",
                (ticket["id"],),
            )
        aegra = await aegra_tables_present(conn)
        saver = AsyncPostgresSaver(conn=conn) if aegra else None
        threads = [await _thread_export(conn, tid, saver) for tid in await customer_threads(conn, tenant, customer_id)]
        return {
            "profile": profile,
            "tickets": tickets,
            "threads": threads,
            "memories": await fetch_all(conn, _STORE_ROWS, params) if aegra else [],
            "conversation_events": await fetch_all(
                conn,
                "SELECT * FROM conversation_events WHERE tenant = %(tenant)s AND customer_id = %(cid)s ORDER BY id",
                params,
            ),
            "conversation_outcomes": await fetch_all(
                conn,
                "SELECT * FROM conversation_outcomes WHERE tenant = %(tenant)s AND customer_id = %(cid)s",
                params,
            ),
            "handoffs": await fetch_all(
                conn,
                "SELECT * FROM handoffs WHERE tenant = %(tenant)s AND customer_id = %(cid)s ORDER BY id",
                params,
            ),
        }
