"""Recovery of runs whose server process died (``kill -9``, power loss) while they were queued or running.

Without Redis, Aegra leaves such runs "running" forever and the thread stuck. Every live process owns
its runs through a session advisory lock (see ``executor``), which Postgres drops when the owner's
connection dies. A sweep at start-up and then periodically finds pending or running runs whose lock is
free and finishes them here: a run that never reached the graph, or stopped part-way, is executed again
from its stored input (its messages carry stable ids, so nothing is duplicated) or resumed from its
last checkpoint; a run whose graph had already finished is marked successful. When re-execution fails,
Aegra marks the run ``error``, which the client sees through ``runs.get`` / ``runs.join``. The sweep also
adopts runs that lost the database and whose task gave up waiting for it (``executor.MAX_ATTEMPTS``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import psycopg

from server.runs.executor import execute_in_order
from server.runs.jobs import resume_job, track_run_task
from server.runs.locks import RECOVERY, RUN_OWNERSHIP, TRY_LOCK_SQL, UNLOCK_SQL
from server.runs.outage import is_database_outage
from server.runs.ownership import try_claim

logger = logging.getLogger(__name__)

# Every active run is considered, however young: its creator took the ownership lock before committing it
# (``ownership``), so a free lock means a dead owner, never one about to lock.
_ACTIVE_RUNS_SQL = (
    "SELECT run_id FROM runs WHERE status IN ('pending', 'running') AND execution_params IS NOT NULL "
    "ORDER BY created_at"
)


async def find_orphaned_runs(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    """Active runs that no live process owns."""
    orphans: list[str] = []
    cur = await conn.execute(_ACTIVE_RUNS_SQL)
    for (run_id,) in await cur.fetchall():
        probe = await conn.execute(TRY_LOCK_SQL, (RUN_OWNERSHIP, run_id))
        row = await probe.fetchone()
        if row is not None and row[0]:
            await conn.execute(UNLOCK_SQL, (RUN_OWNERSHIP, run_id))
            orphans.append(run_id)
    return orphans


async def recover_orphaned_runs(database_url: str) -> list[str]:
    """One sweep: adopt every orphaned run into this process. Returns the run ids adopted."""
    from aegra_api.core.active_runs import active_runs

    adopted: list[str] = []
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        got = await (await conn.execute(TRY_LOCK_SQL, (RECOVERY, "sweep"))).fetchone()
        if got is None or not got[0]:
            return adopted  # another process is sweeping right now
        try:
            for run_id in await find_orphaned_runs(conn):
                if run_id in active_runs:
                    continue
                # Owned from here on: no other sweep can adopt it too between this one and the run's task.
                claim = await try_claim(run_id)
                if claim is None:
                    continue
                try:
                    job = await resume_job(run_id)
                except BaseException:
                    await claim.release()
                    raise
                if job is None:
                    await claim.release()
                    continue
                logger.warning("recovering orphaned run %s on thread %s", run_id, job.identity.thread_id)
                track_run_task(run_id, asyncio.create_task(execute_in_order(job, claim)))
                adopted.append(run_id)
        finally:
            await conn.execute(UNLOCK_SQL, (RECOVERY, "sweep"))
    return adopted


async def sweep(database_url: str, *, interval_s: float) -> None:
    """One sweep that survives a database outage (logged; the next sweep, ``interval_s`` later, tries again)."""
    try:
        await recover_orphaned_runs(database_url)
    except Exception as exc:
        # Only psycopg's errors were caught before: SQLAlchemy's (reading the run) ended the loop for good.
        if not is_database_outage(exc):
            raise
        logger.warning("recovery sweep: database unreachable (%s); next sweep in %.0fs", exc, interval_s)


async def recovery_loop(database_url: str, *, interval_s: float) -> None:
    """Sweep every ``interval_s`` seconds until cancelled; the start-up sweep runs before the server serves."""
    while True:
        await asyncio.sleep(interval_s)
        await sweep(database_url, interval_s=interval_s)
