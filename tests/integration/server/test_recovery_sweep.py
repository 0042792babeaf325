"""Which runs the recovery sweep adopts: every active run whose ownership lock is free, however young, oldest first."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from db.aegra_schema import migrate_aegra
from server.runs.locks import LOCK_SQL, RUN_OWNERSHIP
from server.runs.recovery import find_orphaned_runs
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

_RUN = (
    "INSERT INTO runs (run_id, thread_id, user_id, status, execution_params, created_at)"
    " VALUES (%s, 't1', 'u1', %s, '{}'::jsonb, now() - make_interval(secs => %s))"
)


async def test_sweep_adopts_only_unowned_active_runs(pg_url: str) -> None:
    await asyncio.to_thread(migrate_aegra, pg_url)  # it runs its own event loop
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("INSERT INTO thread (thread_id, user_id) VALUES ('t1', 'u1')")
        await conn.execute(_RUN, ("just-created", "pending", 0.5))
        await conn.execute(_RUN, ("orphaned", "running", 60))
        await conn.execute(_RUN, ("queued-long-ago", "pending", 120))
        await conn.execute(_RUN, ("finished", "success", 60))
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as owner:
            await owner.execute(LOCK_SQL, (RUN_OWNERSHIP, "queued-long-ago"))  # a live process still owns it
            owner_pid = owner.info.backend_pid
            # A creator owns its run before committing it, so a young unowned run is an orphan like any other.
            assert await find_orphaned_runs(conn) == ["orphaned", "just-created"]

        # The owner's session ended (its process died): once Postgres has ended its backend, which it does a moment
        # after the client hung up, that run is an orphan too, oldest first.
        async def owner_gone() -> bool:
            cur = await conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (owner_pid,))
            return await cur.fetchone() is None

        await wait_until(owner_gone, what=f"the owner's backend {owner_pid} has exited")
        assert await find_orphaned_runs(conn) == ["queued-long-ago", "orphaned", "just-created"]
