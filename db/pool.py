"""Connection pools for our own tables (Aegra keeps its own pools for runs, threads and checkpoints)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from settings import get_settings

POOL_MAX_SIZE = 10
LOCK_POOL_MAX_SIZE = 64  # one session per queued or running run; beyond it a run opens a session of its own

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncConnectionPool]] = (
    weakref.WeakKeyDictionary()
)


def database_url() -> str:
    """The configured database URL; the server resolves the embedded one into DATABASE_URL at start."""
    url = get_settings().database_url
    if not url:
        raise RuntimeError("DATABASE_URL is not set: start through `support-agent serve` or set it explicitly")
    return url


async def get_pool(url: str | None = None) -> AsyncConnectionPool:
    """An open pool for ``url`` (default: DATABASE_URL), one per event loop and URL.

    Rows come back as dicts.
    """
    url = url or database_url()
    loop = asyncio.get_running_loop()
    pools = _pools.setdefault(loop, {})
    pool = pools.get(url)
    if pool is None:
        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row},
            check=AsyncConnectionPool.check_connection,  # sessions from before a Postgres restart are dead
        )
        pools[url] = pool
        await pool.open(wait=True, timeout=15)
    return pool


async def _release_advisory_locks(conn: AsyncConnection[Any]) -> None:
    await conn.execute("SELECT pg_advisory_unlock_all()")


async def get_lock_pool(url: str, *, max_size: int = LOCK_POOL_MAX_SIZE) -> AsyncConnectionPool:
    """Sessions for session-level advisory locks, one pool per event loop and URL.

    A returned session gives up every advisory lock it still holds (a session that is mid-query when its task
    is cancelled is closed instead, which releases them too), so a lock never outlives the code that took it by
    more than a moment: psycopg_pool runs the reset in its worker task just after the return.
    Reusing sessions spares a Postgres backend start per run.
    """
    loop = asyncio.get_running_loop()
    pools = _pools.setdefault(loop, {})
    key = f"locks:{url}"
    pool = pools.get(key)
    if pool is None:
        pool = AsyncConnectionPool(
            url,
            min_size=min(2, max_size),
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True},
            reset=_release_advisory_locks,
            check=AsyncConnectionPool.check_connection,
        )
        pools[key] = pool
        await pool.open(wait=True, timeout=15)
    return pool


def reconnect_promptly(*, delay_s: float = 0.5) -> None:
    """Make every psycopg pool of this process retry a lost database every ``delay_s``, without backing off.

    psycopg_pool doubles its reconnection delay after each failure (1, 2, 4, 8, 16 s...), so after a ten-second
    outage a pool could wait another 16 s before trying again, and requests waiting on it (authentication, runs'
    checkpoints) timed out after Postgres was back. A failed attempt on a refused socket costs next to nothing.
    """
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.INITIAL_DELAY = delay_s
    AttemptWithBackoff.DELAY_BACKOFF = 1.0


async def close_pools() -> None:
    """Close every pool of the running event loop."""
    loop = asyncio.get_running_loop()
    for pool in _pools.pop(loop, {}).values():
        await pool.close()
