"""Per-thread run serialisation across processes, replacing Aegra's unordered local executor.

Aegra's local executor starts every run at once, so two messages to one thread read the same checkpoint and one
reply is lost. Here each run is owned through its ownership lock (taken before the run was committed, see
``ownership``, so a crashed owner can be detected by any process), then waits for the thread's execution lock and
for every earlier-created pending or running run of the thread: runs of one thread execute one at a time, in the
order the API acknowledged them (``enqueue``). Running counts too: after a crash, the run that was interrupted is
adopted while it is still marked running, and a queued run must not overtake it.

A run that loses the database (see ``outage``) is tried again in the same task once Postgres answers, up to
``MAX_ATTEMPTS`` times; clients waiting on it keep waiting. A run still unfinished after that is left to the
recovery sweep.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import psycopg

from server.runs.completion import install_completion_wait
from server.runs.jobs import reclaim_run, resume_job, track_run_task
from server.runs.locks import LOCK_SQL, THREAD_EXECUTION, UNLOCK_SQL
from server.runs.outage import Deferral, deferrable, is_database_outage, wait_for_database
from server.runs.ownership import Claim, take_unsubmitted, try_claim

logger = logging.getLogger(__name__)

_EARLIER_ACTIVE_SQL = """
SELECT 1 FROM runs r
 WHERE r.thread_id = %(thread_id)s AND r.run_id <> %(run_id)s AND r.status IN ('pending', 'running')
   AND r.created_at < (SELECT created_at FROM runs WHERE run_id = %(run_id)s)
 LIMIT 1
"""
_TURN_POLL_SECONDS = 0.02
MAX_ATTEMPTS: Final = 3
# How long a run that lost the database waits in its task for Postgres; after that the recovery sweep adopts it.
DATABASE_WAIT_S: Final = 300.0


async def wait_for_turn(conn: psycopg.AsyncConnection[Any], thread_id: str, run_id: str) -> None:
    """Hold the thread's execution lock with no earlier active (pending or running) run left in the queue."""
    while True:
        await conn.execute(LOCK_SQL, (THREAD_EXECUTION, thread_id))
        cur = await conn.execute(_EARLIER_ACTIVE_SQL, {"thread_id": thread_id, "run_id": run_id})
        if await cur.fetchone() is None:
            return
        # An earlier run was acknowledged first: let it through, then queue again.
        await conn.execute(UNLOCK_SQL, (THREAD_EXECUTION, thread_id))
        await asyncio.sleep(_TURN_POLL_SECONDS)


async def _attempt(job: Any, deferral: Deferral, claim: Claim | None) -> bool:
    """Execute the run once, if this process owns it, in its turn; True when it was left unfinished for a retry.

    ``claim`` is the ownership taken when the run was created or adopted; without one (a retry), it is tried for.
    """
    from aegra_api.services.run_executor import execute_run

    run_id = job.identity.run_id
    claim = claim or await try_claim(run_id)
    if claim is None:
        logger.info("run %s is owned by another process; not executing it here", run_id)
        return False
    try:
        await wait_for_turn(claim.conn, job.identity.thread_id, run_id)
        token = deferrable.set(deferral)
        try:
            await execute_run(job)
        finally:
            deferrable.reset(token)
    finally:
        await claim.release()
    return deferral.deferred


async def execute_in_order(job: Any, claim: Claim | None) -> None:
    """Run Aegra's ``execute_run(job)`` once this process owns the run and it is the thread's turn.

    ``claim`` is the run's ownership, taken before the run could be seen (created) or when it was adopted. When the
    database goes away, the run is tried again once it answers (the last attempt may end ``error``).
    """
    run_id = job.identity.run_id
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            if not await _attempt(job, Deferral(allowed=attempt < MAX_ATTEMPTS), claim):
                return
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            logger.warning("run %s: database unreachable on attempt %d (%s)", run_id, attempt, type(exc).__name__)
        claim = None  # released with its attempt; a retry claims the run again, unless another process adopted it
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
    """Make Aegra's executor singleton run each thread's runs one at a time, in order, and wait on stored runs."""
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
        claim = take_unsubmitted(job.identity.run_id)  # taken by admission before the run was committed
        task = asyncio.create_task(execute_in_order(job, claim), context=trace_ctx)
        track_run_task(job.identity.run_id, task)

    executor.submit = submit
    install_completion_wait(executor)
    executor._support_serial = True
