"""A customer's long-term memories as staff see them: list, correct and forget items of the LangGraph store.

The store keeps a namespace as its labels joined by "."; one customer's memories live under exactly
``memory_namespace(tenant, customer_id)``, so every query here names the tenant and the customer and cannot reach
another's. A corrected text drops the item's stale embedding (the graph recalls by recency, not by vector).
"""

from __future__ import annotations

from typing import Any, LiteralString

from psycopg.types.json import Jsonb

from support.connections import Db, Row, acquire, execute, fetch_all, fetch_one

_LIST: LiteralString = (
    "SELECT key, value, created_at, updated_at FROM store WHERE prefix = %(prefix)s ORDER BY updated_at DESC LIMIT 500"
)
_ONE: LiteralString = "SELECT key, value, created_at, updated_at FROM store WHERE prefix = %(prefix)s AND key = %(key)s"


def _prefix(tenant: str, customer_id: str) -> str:
    from graph.memory import memory_namespace  # the graph owns the label escaping; imported late (heavy module)

    return ".".join(memory_namespace(tenant, customer_id))


async def _drop_vectors(conn: Db, params: dict[str, str]) -> None:
    present = await fetch_one(conn, "SELECT to_regclass('store_vectors') IS NOT NULL AS present", None)
    if present and present["present"]:
        await execute(conn, "DELETE FROM store_vectors WHERE prefix = %(prefix)s AND key = %(key)s", params)


def memory_view(row: Row) -> dict[str, Any]:
    """One memory as the API shows it; items written before provenance existed show what they have."""
    value: dict[str, Any] = row["value"] if isinstance(row["value"], dict) else {}
    source = value.get("source")
    if not isinstance(source, dict):
        source = {"thread_id": value.get("thread_id"), "turn": None, "message_id": None, "at": value.get("updated_at")}
    return {
        "id": row["key"],
        "kind": value.get("kind", ""),
        "text": value.get("text", ""),
        "created_at": value.get("created_at") or row["created_at"],
        "updated_at": value.get("updated_at") or row["updated_at"],
        "source": source,
        "edited_by": value.get("edited_by"),
    }


async def list_memories(db: Db | None, tenant: str, customer_id: str) -> list[dict[str, Any]]:
    """The customer's memories, most recently updated first."""
    rows = await fetch_all(db, _LIST, {"prefix": _prefix(tenant, customer_id)})
    return [memory_view(row) for row in rows]


async def update_memory(
    db: Db | None, tenant: str, customer_id: str, key: str, *, text: str, editor: str, at: str
) -> dict[str, Any] | None:
    """Replace one memory's text (the source stays; ``edited_by`` names who corrected it); None when absent."""
    params = {"prefix": _prefix(tenant, customer_id), "key": key}
    async with acquire(db) as conn, conn.transaction():
        row = await fetch_one(conn, _ONE + " FOR UPDATE", params)
        if row is None:
            return None
        value = dict(row["value"]) | {"text": text, "updated_at": at, "edited_by": editor}
        updated = await fetch_one(
            conn,
            "UPDATE store SET value = %(value)s, updated_at = now() WHERE prefix = %(prefix)s AND key = %(key)s"
            " RETURNING key, value, created_at, updated_at",
            params | {"value": Jsonb(value)},
        )
        await _drop_vectors(conn, params)
    return memory_view(updated) if updated else None


async def delete_memory(db: Db | None, tenant: str, customer_id: str, key: str) -> bool:
    """Forget one memory; False when it was not there."""
    params = {"prefix": _prefix(tenant, customer_id), "key": key}
    async with acquire(db) as conn, conn.transaction():
        await _drop_vectors(conn, params)
        return await execute(conn, "DELETE FROM store WHERE prefix = %(prefix)s AND key = %(key)s", params) > 0
