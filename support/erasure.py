"""Erase exactly one customer of one tenant: all of their data, and nothing of anybody else's.

Their own threads go whole (thread, runs, checkpoints, writes, blobs, and our rows about them). A thread that
other customers also wrote in stays: the customer's runs leave it, their turns in its checkpointed state become
tombstones (support.erasure_checkpoints), and the other rows of that thread lose the lines naming them.
Their memories (store namespace), tickets, handoffs, events, outcomes and profile are deleted. Every statement
names the tenant or a thread found within it, so the same customer id in another tenant is untouched.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, LiteralString

from psycopg import AsyncConnection, sql

from support.connections import Db, acquire, fetch_all, fetch_one
from support.customers import CustomerNotFoundError, get_customer
from support.erasure_checkpoints import scrub_thread_checkpoints
from support.erasure_rows import scrub_rows
from support.erasure_scrub import Needles
from support.erasure_threads import THREAD_TENANT, CustomerThreads, find_customer_threads, needles_for
from support.threads import aegra_tables_present

logger = logging.getLogger(__name__)

_CHECKPOINT_TABLES = ("checkpoint_writes", "checkpoint_blobs", "checkpoints")
_DRAIN_TIMEOUT_S = 30.0
_STORE_PREFIX: LiteralString = "(prefix = %(root)s OR starts_with(prefix, %(root)s || '.'))"


def _store_root(tenant: str, customer_id: str) -> str:
    from graph.memory import memory_namespace  # the graph owns the label escaping; imported late (heavy module)

    return ".".join(memory_namespace(tenant, customer_id)[:3])


async def _drain_memory_writer() -> None:
    """Let this process's background memory updates finish, so none lands after the erasure."""
    from graph.memory import get_memory_writer

    try:
        await asyncio.wait_for(get_memory_writer().flush(), timeout=_DRAIN_TIMEOUT_S)
    except Exception:  # a failed memory update of anyone must not stop an erasure; it is logged instead
        logger.exception("memory writer did not drain cleanly before an erasure")


async def _columns(conn: AsyncConnection[Any]) -> dict[str, set[str]]:
    rows = await fetch_all(
        conn,
        "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t"
        " USING (table_schema, table_name) WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
    )
    tables: dict[str, set[str]] = {}
    for row in rows:
        tables.setdefault(str(row["table_name"]), set()).add(str(row["column_name"]))
    return tables


async def _delete(
    conn: AsyncConnection[Any], query: sql.SQL | sql.Composed, params: Any, counts: Counter[str], name: str
) -> None:
    cursor = await conn.execute(query, params)
    counts[name] += max(cursor.rowcount, 0)


async def _delete_own_rows(
    conn: AsyncConnection[Any], tenant: str, customer_id: str, found: CustomerThreads, counts: Counter[str]
) -> None:
    """Rows of the customer (tenant and customer id) and of their own threads, in every table that has them."""
    tables = await _columns(conn)
    own = found.own
    for table in _CHECKPOINT_TABLES:
        if table in tables:
            query = sql.SQL("DELETE FROM {} WHERE thread_id = ANY(%s)").format(sql.Identifier(table))
            await _delete(conn, query, (own,), counts, table)
    if "pii_pseudonyms" in tables:  # the sealed map of a thread's placeholders (signals/pii_vault.py)
        vault = sql.SQL("DELETE FROM pii_pseudonyms WHERE thread_id = ANY(%s)")
        await _delete(conn, vault, (own,), counts, "pii_pseudonyms")
    if "runs" in tables:
        await _delete(
            conn,
            sql.SQL("DELETE FROM runs WHERE run_id = ANY(%s) OR thread_id = ANY(%s)"),
            (list(found.runs), own),
            counts,
            "runs",
        )
    if "thread" in tables:
        thread_query = sql.SQL("DELETE FROM thread WHERE thread_id = ANY(%s) AND " + THREAD_TENANT + " = %s")
        await _delete(conn, thread_query, (own, tenant), counts, "thread")
    for table, columns in sorted(tables.items()):
        if table in (*_CHECKPOINT_TABLES, "runs", "thread", "customers") or "tenant" not in columns:
            continue  # tables without a tenant column cannot say whose a row is
        name = sql.Identifier(table)
        if "customer_id" in columns:
            query = sql.SQL("DELETE FROM {} WHERE tenant = %s AND customer_id::text = %s").format(name)
            await _delete(conn, query, (tenant, customer_id), counts, table)
        if "thread_id" in columns:
            query = sql.SQL("DELETE FROM {} WHERE tenant = %s AND thread_id::text = ANY(%s)").format(name)
            await _delete(conn, query, (tenant, own), counts, table)


async def _scrub_shared(
    conn: AsyncConnection[Any],
    tenant: str,
    customer_id: str,
    found: CustomerThreads,
    needles: Needles,
    counts: Counter[str],
) -> None:
    """Keep the shared threads for the others, without the customer in them."""
    aegra = await aegra_tables_present(conn)
    for thread_id, other in found.shared.items():
        if aegra:
            scrub = await scrub_thread_checkpoints(conn, thread_id, needles, found.runs)
            counts["checkpoints"] += scrub.checkpoints_deleted
            counts["checkpoint_writes"] += scrub.writes_deleted
            counts["checkpoint_blobs"] += scrub.blobs_deleted
            counts["checkpoints_rewritten"] += scrub.rewritten
            cursor = await conn.execute(
                "UPDATE thread SET metadata_json = metadata_json || jsonb_build_object('customer_id', %s::text)"
                " WHERE thread_id = %s AND metadata_json->>'customer_id' = %s",
                (other, thread_id, customer_id),
            )
            counts["thread_reassigned"] += cursor.rowcount
            counts["runs_scrubbed"] += await scrub_rows(conn, "runs", "thread_id = %s", (thread_id,), needles)
        for table in ("handoffs", "tickets", "conversation_outcomes", "conversation_messages"):
            counts[f"{table}_scrubbed"] += await scrub_rows(
                conn, table, "tenant = %s AND thread_id = %s", (tenant, thread_id), needles
            )
        counts["ticket_events_scrubbed"] += await scrub_rows(
            conn,
            "ticket_events",
            "tenant = %s AND ticket_id IN (SELECT id FROM tickets WHERE tenant = %s AND thread_id = %s)",
            (tenant, tenant, thread_id),
            needles,
        )


async def _unique_name(conn: AsyncConnection[Any], tenant: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """The profile, without a name that another customer of the tenant also has (theirs must stay)."""
    if not profile or not profile.get("name"):
        return profile or {}
    same = await fetch_one(
        conn,
        "SELECT 1 AS found FROM customers WHERE tenant = %s AND id <> %s AND lower(name) = lower(%s)",
        (tenant, profile["id"], profile["name"]),
    )
    return {**profile, "name": None} if same else profile


async def _delete_memories(db: Db | None, tenant: str, customer_id: str) -> int:
    query: LiteralString = "DELETE FROM store WHERE " + _STORE_PREFIX
    async with acquire(db) as conn:
        if not await aegra_tables_present(conn):
            return 0
        cursor = await conn.execute(query, {"root": _store_root(tenant, customer_id)})
        return max(cursor.rowcount, 0)


async def erase_customer(db: Db | None, tenant: str, customer_id: str) -> dict[str, int]:
    """Erase one customer of ``tenant`` in one transaction; returns the rows deleted (or scrubbed) per table.

    Raises:
        CustomerNotFoundError: the tenant holds nothing about the customer.
    """
    await _drain_memory_writer()
    counts: Counter[str] = Counter()
    async with acquire(db) as conn, conn.transaction():
        profile = await get_customer(conn, tenant, customer_id)
        found = await find_customer_threads(conn, tenant, customer_id)
        if profile is None and not (found.own or found.shared or found.runs):
            raise CustomerNotFoundError(customer_id)
        needles = needles_for(customer_id, await _unique_name(conn, tenant, profile), found)
        await _scrub_shared(conn, tenant, customer_id, found, needles, counts)
        await _delete_own_rows(conn, tenant, customer_id, found, counts)
        counts["store"] += await _delete_memories(conn, tenant, customer_id)
        cursor = await conn.execute("DELETE FROM customers WHERE id = %s AND tenant = %s", (customer_id, tenant))
        counts["customers"] += cursor.rowcount
    # A memory update of a run that was still going could have landed meanwhile: drain and delete again.
    await _drain_memory_writer()
    counts["store"] += await _delete_memories(db, tenant, customer_id)
    return {table: count for table, count in sorted(counts.items()) if count}
