from __future__ import annotations

import asyncio

import psycopg
import pytest

from db.pool import close_pools, get_lock_pool
from tests.waiting import wait_until

HELD_SQL = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext(%s)::oid"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def _held(url: str, key: str) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (await conn.execute(HELD_SQL, (key,))).fetchone()
        assert row is not None
        return int(row[0])


async def _is_free(url: str, key: str) -> bool:
    return await _held(url, key) == 0


async def _waiting_for_lock(url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (await conn.execute(f"{HELD_SQL} AND NOT granted", ("busy",))).fetchone()
        return row is not None and int(row[0]) > 0


def test_a_returned_session_gives_up_its_advisory_locks(pg_url: str) -> None:
    async def scenario() -> None:
        pool = await get_lock_pool(pg_url, max_size=1)
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(1, hashtext('thread-a'))")
            assert await _held(pg_url, "thread-a") == 1
        # psycopg_pool runs a reset function in its worker task after the return, not inside it: the lock goes a
        # moment later (this check failed once in a fresh-clone run when it read the lock at once).
        await wait_until(lambda: _is_free(pg_url, "thread-a"), what="'thread-a' is released after the return")
        async with pool.connection() as again:  # the same session, reused, and usable
            await again.execute("SELECT pg_advisory_lock(1, hashtext('thread-a'))")
        await close_pools()

    asyncio.run(scenario())


def test_a_session_cancelled_while_waiting_for_a_lock_releases_what_it_held(pg_url: str) -> None:
    async def scenario() -> None:
        pool = await get_lock_pool(pg_url, max_size=2)
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as holder:
            await holder.execute("SELECT pg_advisory_lock(1, hashtext('busy'))")

            async def waiter() -> None:
                async with pool.connection() as conn:
                    await conn.execute("SELECT pg_advisory_lock(1, hashtext('mine'))")
                    await conn.execute("SELECT pg_advisory_lock(1, hashtext('busy'))")  # blocks

            task = asyncio.create_task(waiter())
            await wait_until(lambda: _held(pg_url, "mine"), what="the pooled session holds 'mine'")
            await wait_until(lambda: _waiting_for_lock(pg_url), what="the pooled session waits for 'busy'")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The cancelled session is reset or closed, either way 'mine' is free.
            await wait_until(lambda: _is_free(pg_url, "mine"), what="'mine' is released after the cancellation")
        await close_pools()

    asyncio.run(scenario())
