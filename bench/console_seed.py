"""Seed a console-sized database fast: clone one real escalated conversation's rows with ``generate_series``.

The graph runs once (the caller escalates a real conversation through the API); its thread, runs, events,
outcome, customer, ticket and handoff rows are then copied in SQL, so every page reads rows shaped exactly as
the server writes them. Checkpoints are not copied: one conversation page is measured on the real thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

THREAD = "md5('bench-t' || g)::uuid"
"""The id of the g-th cloned thread (a uuid, cast to the column's type)."""


@dataclass(frozen=True, slots=True)
class SeedCounts:
    """How many rows of each kind the seed writes (in proportion to the conversations)."""

    conversations: int
    customers: int
    handoffs: int
    staff: int

    @classmethod
    def for_conversations(cls, conversations: int, staff: int = 50) -> SeedCounts:
        """Five conversations per customer; 15% escalated (a ticket and a handoff each, a fifth still open)."""
        return cls(conversations, max(1, conversations // 5), max(1, conversations * 15 // 100), staff)


async def _columns(conn: AsyncConnection[Any], table: str) -> list[tuple[str, str, bool]]:
    """(name, type, has a sequence or generated value) of each column of ``table``."""
    cur = await conn.execute(
        "SELECT column_name, udt_name, coalesce(column_default LIKE 'nextval(%%', false)"
        " OR is_generated = 'ALWAYS' OR is_identity = 'YES'"
        " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s"
        " ORDER BY ordinal_position",
        (table,),
    )
    return [(str(name), str(kind), bool(auto)) for name, kind, auto in await cur.fetchall()]


async def clone(
    conn: AsyncConnection[Any], table: str, *, where: str, params: dict[str, Any], times: int, set_: dict[str, str]
) -> int:
    """Copy the rows of ``table`` matching ``where`` ``times`` times; ``set_`` gives SQL in ``g`` (1..times).

    Columns not in ``set_`` keep the source value (``src.column``), except serial and generated ones.
    Returns the number of rows written.
    """
    names: list[sql.Composable] = []
    values: list[sql.Composable] = []
    for name, kind, auto in await _columns(conn, table):
        if name in set_:
            names.append(sql.Identifier(name))
            values.append(sql.SQL("CAST(({}) AS {})").format(sql.SQL(set_[name]), sql.Identifier(kind)))
        elif not auto:
            names.append(sql.Identifier(name))
            values.append(sql.SQL("src.{}").format(sql.Identifier(name)))
    query = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} src, generate_series(1, %(times)s) g WHERE {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(names),
        sql.SQL(", ").join(values),
        sql.Identifier(table),
        sql.SQL(where),
    )
    cur = await conn.execute(query, {**params, "times": times})
    return cur.rowcount


async def seed_console(
    conn: AsyncConnection[Any], *, thread_id: str, customer_id: str, counts: SeedCounts
) -> dict[str, int]:
    """Clone the escalated thread ``thread_id`` of ``customer_id`` into ``counts`` rows; returns rows per table."""
    customers = counts.customers
    owner = f"'bench-c' || mod(g, {customers})"
    at = "now() - g * interval '7 minutes'"
    key = {"thread": thread_id, "customer": customer_id}
    written: dict[str, int] = {}
    written["customers"] = await clone(
        conn,
        "customers",
        where="src.id = %(customer)s",
        params=key,
        times=customers,
        set_={
            "id": "'bench-c' || (g - 1)",
            "name": "'Bench Customer ' || g",
            "email": "'bench' || g || '@example.test'",
        },
    )
    metadata = f"jsonb_set(src.metadata_json, '{{customer_id}}', to_jsonb({owner}))"
    written["thread"] = await clone(
        conn,
        "thread",
        where="src.thread_id::text = %(thread)s",
        params=key,
        times=counts.conversations,
        set_={"thread_id": THREAD, "metadata_json": metadata, "status": "'idle'", "created_at": at, "updated_at": at},
    )
    written["runs"] = await clone(
        conn,
        "runs",
        where="src.thread_id::text = %(thread)s",
        params=key,
        times=counts.conversations,
        set_={"run_id": "md5('bench-r' || g || src.run_id::text)::uuid", "thread_id": THREAD, "created_at": at},
    )
    stamped = (("conversation_events", "created_at"), ("conversation_outcomes", "updated_at"))
    for table, stamp in (*stamped, ("conversation_messages", "created_at")):
        written[table] = await clone(
            conn,
            table,
            where="src.thread_id = %(thread)s",
            params=key,
            times=counts.conversations,
            set_={"thread_id": THREAD, "customer_id": owner, stamp: at},
        )
    written["tickets"] = await clone(
        conn,
        "tickets",
        where="src.thread_id = %(thread)s",
        params=key,
        times=counts.handoffs,
        set_={"id": "'T-b' || g", "thread_id": THREAD, "customer_id": owner, "created_at": at, "updated_at": at},
    )
    open_or_closed = "CASE WHEN mod(g, 5) = 0 THEN src.status ELSE 'closed' END"
    written["handoffs"] = await clone(
        conn,
        "handoffs",
        where="src.thread_id = %(thread)s",
        params=key,
        times=counts.handoffs,
        set_={
            "thread_id": THREAD,
            "ticket_id": "'T-b' || g",
            "customer_id": owner,
            "status": open_or_closed,
            "created_at": at,
            "updated_at": at,
        },
    )
    await conn.execute("ANALYZE")
    return written
