"""Run guards on Aegra's Redis workers (``REDIS_URL`` set): only what Aegra's broker, lease and reaper leave open.

With ``REDIS_BROKER_ENABLED=true`` every replica runs Aegra's API and worker loops: runs are dispatched through a
Redis list, leased in Postgres (``claimed_by``, ``lease_expires_at``, heartbeat) and re-queued by a reaper when a
replica dies; streams and cancellation cross replicas over Redis pub/sub. That supersedes our ownership locks and
recovery sweep, which are not installed in this mode. Still open in Aegra 0.11, and so covered here:

- ``multitask_strategy`` is ignored: ``admission`` applies reject (409) / interrupt / rollback / enqueue;
- a worker executes every run it dequeues at once, so two runs of one thread on two replicas read the same
  checkpoint: each run waits for its thread's turn (``executor.wait_for_turn``) inside its lease, whose heartbeat
  keeps running meanwhile;
- a re-queued run replays its input from the start: it continues from its checkpoint instead (``jobs``);
- ``runs.wait`` and ``runs.join`` poll a Redis key every 2 s: they follow the run's local task, else its stored
  status (``completion``).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any


def aegra_workers_enabled() -> bool:
    """Whether Aegra runs on its Redis broker and workers (``serve`` turns it on when ``REDIS_URL`` is set)."""
    from aegra_api.settings import settings

    return bool(settings.redis.REDIS_BROKER_ENABLED)


def install_worker_guards() -> None:
    """Wrap the execution of Aegra's workers and its run admission and wait (idempotent)."""
    import aegra_api.services.worker_executor as worker_executor
    from aegra_api.services.executor import executor

    from server.runs.admission import install_admission
    from server.runs.completion import install_completion_wait
    from server.runs.executor import wait_for_turn
    from server.runs.jobs import continue_from_checkpoint
    from server.runs.ownership import lock_session

    execute_run = worker_executor.execute_run
    if getattr(execute_run, "_support_turns", False):
        return

    async def execute_in_turn(job: Any) -> None:
        async with AsyncExitStack() as stack:  # closing it releases the thread's execution lock
            conn = await lock_session(stack)
            await wait_for_turn(conn, job.identity.thread_id, job.identity.run_id)
            await execute_run(await continue_from_checkpoint(job))

    execute_in_turn._support_turns = True  # type: ignore[attr-defined]
    worker_executor.execute_run = execute_in_turn
    install_completion_wait(executor)
    install_admission(own_runs=False)
