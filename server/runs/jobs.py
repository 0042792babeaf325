"""Rebuild a stored run's job, and keep Aegra's registry of in-process runs true to the tasks that run them."""

from __future__ import annotations

import asyncio
from typing import Any


def track_run_task(run_id: str, task: asyncio.Task[None]) -> None:
    """Register ``task`` as the run's in-process task until it ends, however it ends.

    Aegra only unregisters a run in ``execute_run``'s ``finally``; a task that failed before reaching it (its lock
    session could not reach Postgres) stayed registered for good, and the recovery sweep, which skips registered
    runs, never adopted it again.
    """
    from aegra_api.core.active_runs import active_runs

    active_runs[run_id] = task

    def unregister(done: asyncio.Task[None]) -> None:
        if active_runs.get(run_id) is done:
            del active_runs[run_id]

    task.add_done_callback(unregister)


def reclaim_run(run_id: str) -> None:
    """Register the current task again after Aegra's ``execute_run`` unregistered it for a retry.

    Clients waiting on the run (``runs.wait``, ``runs.join``) wait on this task, so it stays the run's task.
    """
    from aegra_api.core.active_runs import active_runs

    task = asyncio.current_task()
    if task is not None and active_runs.get(run_id) is not task:
        track_run_task(run_id, task)


async def resume_job(run_id: str) -> Any | None:
    """The RunJob of a stored active run, continuing from its checkpoint when the graph had started.

    None when the run no longer exists or is no longer pending or running.
    """
    from aegra_api.core.orm import Run as RunORM
    from aegra_api.core.orm import _get_session_maker
    from aegra_api.models.run_job import RunJob
    from sqlalchemy import select

    async with _get_session_maker()() as session:
        run_orm = await session.scalar(select(RunORM).where(RunORM.run_id == run_id))
    if run_orm is None or run_orm.status not in ("pending", "running"):
        return None
    return await continue_from_checkpoint(RunJob.from_run_orm(run_orm))


async def continue_from_checkpoint(job: Any) -> Any:
    """``job`` unchanged on its first execution; without its input when the graph had started it already.

    A run executed again after its process died continues the interrupted superstep from the checkpoint
    instead of replaying its input.
    """
    from aegra_api.models.run_job import RunExecution

    if not await _graph_started(job):
        return job
    execution = RunExecution.model_validate({**job.execution.model_dump(), "input_data": None, "command": None})
    return job.model_copy(update={"execution": execution})


async def _graph_started(job: Any) -> bool:
    """Whether the thread's latest checkpoint was written by this run."""
    from aegra_api.core.database import db_manager

    checkpointer = db_manager.get_checkpointer()
    latest = await checkpointer.aget_tuple({"configurable": {"thread_id": job.identity.thread_id}})
    if latest is None:
        return False
    return bool((latest.metadata or {}).get("run_id") == job.identity.run_id)
