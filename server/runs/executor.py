"""Per-thread run serialisation across processes, replacing Aegra's unordered local executor.

Aegra's local executor starts every run at once, so two messages to one thread read the same
checkpoint and one reply is lost. Here each run first takes an ownership lock (so a crashed
owner can be detected by any process), then waits for the thread's execution lock and for every
earlier-created pending or running run of the thread: runs of one thread execute one at a time, in the
order the API acknowledged them (``enqueue``). Running counts too: after a crash, the run that was
interrupted is adopted while it is still marked running, and a queued run must not overtake it.

A run that loses the database (see ``outage``) is tried again in the same task once Postgres answers, up to
``MAX_ATTEMPTS`` times; clients waiting on it keep waiting. A run still unfinished after that is left to the
recovery sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import psycopg
from psycopg_pool import PoolTimeout

from db.pool import get_lock_pool
from server.runs.jobs import reclaim_run, resume_job, track_run_task
from server.runs.locks import LOCK_SQL, RUN_OWNERSHIP, THREAD_EXECUTION, TRY_LOCK_SQL, UNLOCK_SQL
from server.runs.outage import Deferral, deferrable, is_database_outage, wait_for_database

logger = logging.getLogger(__name__)

_EARLIER_ACTIVE_SQL = """
SELECT 1 FROM runs r
 WHERE r.thread_id = %(thread_id)s AND r.run_id <> %(run_id)s AND r.status IN ('pending', 'running')
   AND r.created_at < (SELECT created_at FROM runs WHERE run_id = %(run_id)s)
 LIMIT 1
"""
_TURN_POLL_SECONDS = 0.02
_POOL_WAIT_SECONDS = 1.0
MAX_ATTEMPTS: Final = 3
# How long a run that lost the database waits in its task for Postgres; after that the recovery sweep adopts it.
DATABASE_WAIT_S: Final = 300.0


def _database_url() -> str:
    from aegra_api.settings import settings

    url: str = settings.db.database_url_sync
    return url


async def _wait_for_turn(conn: psycopg.AsyncConnection[Any], thread_id: str, run_id: str) -> None:
    """Hold the thread's execution lock with no earlier active (pending or running) run left in the queue."""
    while True:
        await conn.execute(LOCK_SQL, (THREAD_EXECUTION, thread_id))
        cur = await conn.execute(_EARLIER_ACTIVE_SQL, {"thread_id": thread_id, "run_id": run_id})
        if await cur.fetchone() is None:
            return
        # An earlier run was acknowledged first: let it through, then queue again.
        await conn.execute(UNLOCK_SQL, (THREAD_EXECUTION, thread_id))
        await asyncio.sleep(_TURN_POLL_SECONDS)


@asynccontextmanager
async def _lock_session() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A database session whose advisory locks are all released when the block ends, however it ends."""
    url = _database_url()
    pool = await get_lock_pool(url)
    try:
        conn = await pool.getconn(timeout=_POOL_WAIT_SECONDS)
    except PoolTimeout:
        # Every pooled session belongs to a queued or running run; an earlier run of some thread may be the
        # one waiting here, so a session of its own keeps the queue moving instead of deadlocking it.
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as direct:
            yield direct  # closing the session releases its locks
        return
    try:
        yield conn
    finally:
        await pool.putconn(conn)  # the pool's reset releases the locks (or closes a session left mid-query)


async def _attempt(job: Any, deferral: Deferral) -> bool:
    """Execute the run once, if this process owns it, in its turn; True when it was left unfinished for a retry."""
    from aegra_api.services.run_executor import execute_run

    run_id = job.identity.run_id
    async with _lock_session() as conn:
        cur = await conn.execute(TRY_LOCK_SQL, (RUN_OWNERSHIP, run_id))
        row = await cur.fetchone()
        if row is None or not row[0]:
            logger.info("run %s is owned by another process; not executing it here", run_id)
            return False
        await _wait_for_turn(conn, job.identity.thread_id, run_id)
        token = deferrable.set(deferral)
        try:
            await execute_run(job)
        finally:
            deferrable.reset(token)
    return deferral.deferred


async def execute_in_order(job: Any) -> None:
    """Run Aegra's ``execute_run(job)`` once this process owns the run and it is the thread's turn.

    When the database goes away, the run is tried again once it answers (the last attempt may end ``error``).
    """
    run_id = job.identity.run_id
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            if not await _attempt(job, Deferral(allowed=attempt < MAX_ATTEMPTS)):
                return
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            logger.warning("run %s: database unreachable on attempt %d (%s)", run_id, attempt, type(exc).__name__)
        reclaim_run(run_id)
        if attempt == MAX_ATTEMPTS or not await wait_for_database(timeout_s=DATABASE_WAIT_S):
            return  # still pending or running, and unowned: the recovery sweep adopts it
        try:
            resumed = await resume_job(run_id)
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            return  # gone again: left to the sweep
        if resumed is None:
            return  # finished or cancelled meanwhile
        job = resumed


def install_serial_executor() -> None:
    """Make Aegra's executor singleton run each thread's runs one at a time, in order."""
    from aegra_api.observability.span_enrichment import make_run_trace_context
    from aegra_api.services.executor import executor
    from aegra_api.services.local_executor import LocalExecutor

    if not isinstance(executor, LocalExecutor):
        raise RuntimeError("support-agent runs Aegra without Redis; unset REDIS_BROKER_ENABLED")
    if getattr(executor, "_support_serial", False):
        return

    async def submit(job: Any) -> None:
        trace_ctx = make_run_trace_context(
            job.identity.run_id,
            job.identity.thread_id,
            job.identity.graph_id,
            job.user.identity,
            extra_metadata=job.run_metadata,
        )
        track_run_task(job.identity.run_id, asyncio.create_task(execute_in_order(job), context=trace_ctx))

    executor.submit = submit
    executor._support_serial = True
