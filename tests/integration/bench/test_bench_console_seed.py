"""The console bench's seed: cloning rows keeps their shape, with the overridden columns and fresh serial ids."""

from __future__ import annotations

import psycopg
import pytest

from bench.console_seed import SeedCounts, clone
from db.migrations import migrate

pytestmark = pytest.mark.integration


def test_seed_counts_are_in_proportion() -> None:
    counts = SeedCounts.for_conversations(10_000)
    assert (counts.conversations, counts.customers, counts.handoffs, counts.staff) == (10_000, 2_000, 1_500, 50)


async def test_clone_copies_rows_with_overrides(pg_url: str) -> None:
    migrate(pg_url)
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("INSERT INTO customers (id, name, tier) VALUES ('c0', 'Template', 'premium')")
        await conn.execute("INSERT INTO tickets (id, customer_id, subject, thread_id) VALUES ('T-1', 'c0', 'Hi', 't0')")
        await conn.execute(
            "INSERT INTO handoffs (thread_id, ticket_id, customer_id, team, priority, reason, summary)"
            " VALUES ('t0', 'T-1', 'c0', 'billing', 'high', 'asked_for_human', 'Wants a person')"
        )
        key = {"customer": "c0", "thread": "t0"}
        written = await clone(
            conn, "customers", where="src.id = %(customer)s", params=key, times=3, set_={"id": "'c' || g"}
        )
        assert written == 3
        await clone(conn, "tickets", where="src.thread_id = %(thread)s", params=key, times=3, set_={"id": "'T-b' || g"})
        set_ = {"thread_id": "md5('bench-t' || g)::uuid", "ticket_id": "'T-b' || g", "customer_id": "'c' || g"}
        await clone(conn, "handoffs", where="src.thread_id = %(thread)s", params=key, times=3, set_=set_)
        cur = await conn.execute("SELECT id, tier FROM customers ORDER BY id")
        assert await cur.fetchall() == [("c0", "premium"), ("c1", "premium"), ("c2", "premium"), ("c3", "premium")]
        cur = await conn.execute("SELECT count(DISTINCT id), count(DISTINCT thread_id), min(summary) FROM handoffs")
        assert await cur.fetchone() == (4, 4, "Wants a person")
