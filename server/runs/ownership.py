"""A run's ownership lock, held from before its row is visible until its attempt ends.

Any process may adopt an active run whose ownership lock is free (``recovery``), so the lock must never be free
while its owner is alive. It used to be taken by the run's task a moment after Aegra committed the run, and a
sweep in that moment adopted the run twice over (a 5 s "adoption grace" papered over it). Now the lock is a
:class:`Claim` taken before the creating transaction commits (``admission``) or, for adoption, while the sweep
holds the recovery lock; the claim is handed to the run's task, which releases it when its attempt ends.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from db.pool import get_lock_pool
from server.runs.locks import RUN_OWNERSHIP, TRY_LOCK_SQL

logger = logging.getLogger(__name__)

_POOL_WAIT_SECONDS = 1.0

# Claims taken for runs whose creating transaction is committing, until the executor receives the run.
_unsubmitted: dict[str, Claim] = {}


def _database_url() -> str:
    from aegra_api.settings import settings

    url: str = settings.db.database_url_sync
    return url


@dataclass
class Claim:
    """The ownership lock of one run, on a database session of its own; :meth:`release` ends both."""

    run_id: str
    conn: psycopg.AsyncConnection[Any]
    _exit: AsyncExitStack = field(repr=False)

    async def release(self) -> None:
        """Give the session back (its advisory locks go with it); idempotent."""
        await self._exit.aclose()


async def lock_session(stack: AsyncExitStack) -> psycopg.AsyncConnection[Any]:
    """A session whose advisory locks are all released when ``stack`` closes, however it closes."""
    url = _database_url()
    pool = await get_lock_pool(url)
    try:
        conn = await pool.getconn(timeout=_POOL_WAIT_SECONDS)
    except PoolTimeout:
        # Every pooled session belongs to a queued or running run; an earlier run of some thread may be the
        # one waiting for a session, so a session of its own keeps the queue moving instead of deadlocking it.
        direct = await psycopg.AsyncConnection.connect(url, autocommit=True)
        stack.push_async_callback(direct.close)  # closing the session releases its locks
        return direct
    stack.push_async_callback(pool.putconn, conn)  # the pool's reset releases the locks (or closes a broken session)
    return conn


async def try_claim(run_id: str) -> Claim | None:
    """The run's ownership lock, or None when a live process (maybe this one) holds it."""
    stack = AsyncExitStack()
    try:
        conn = await lock_session(stack)
        row = await (await conn.execute(TRY_LOCK_SQL, (RUN_OWNERSHIP, run_id))).fetchone()
    except BaseException:
        await stack.aclose()
        raise
    if row is None or not row[0]:
        await stack.aclose()
        return None
    return Claim(run_id, conn, stack)


async def claim_new_run(run_id: str) -> None:
    """Own a run that is being created, before its row commits; :func:`take_unsubmitted` hands it on."""
    claim = await try_claim(run_id)
    if claim is None:  # a fresh uuid4 that someone holds: only a hashtext collision with a live run
        raise RuntimeError(f"run {run_id}: its ownership lock is held by another session")
    _unsubmitted[run_id] = claim


def take_unsubmitted(run_id: str) -> Claim | None:
    """The claim taken when ``run_id`` was created, for the task that executes it (once)."""
    return _unsubmitted.pop(run_id, None)


async def release_unsubmitted(run_id: str) -> None:
    """Release the claim of a run that never reached the executor (its transaction failed or was rolled back)."""
    claim = _unsubmitted.pop(run_id, None)
    if claim is not None:
        logger.info("run %s was not submitted; releasing its ownership lock", run_id)
        await claim.release()
