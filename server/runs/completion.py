"""Clients waiting on a run (``runs.wait``, ``runs.join``) wait until the stored run has finished.

Aegra's local executor waits on the run's task in this process and answers at once when there is none, with the
run still pending or running. There is often none: the run belongs to another worker or server, or it was
orphaned by a dead server and is not adopted yet. So a join after a restart could answer "incomplete" while the
run was about to be recovered. Here a wait follows the local task while there is one, and the stored status
otherwise, until the run is finished or gone.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

_POLL_SECONDS: Final = 0.2
ACTIVE: Final = ("pending", "running")


async def _stored_status(run_id: str) -> str | None:
    from aegra_api.core.orm import Run as RunORM
    from aegra_api.core.orm import _get_session_maker
    from sqlalchemy import select

    async with _get_session_maker()() as session:
        status: str | None = await session.scalar(select(RunORM.status).where(RunORM.run_id == run_id))
    return status


async def _follow_task(task: asyncio.Task[Any], *, timeout: float) -> None:
    """Wait for the run's local task, however it ends; only the waiter's own cancellation propagates."""
    try:
        # Shielded: the run outlives a caller that stops waiting.
        await asyncio.wait_for(asyncio.shield(task), timeout=timeout)
    except asyncio.CancelledError:
        if not task.cancelled():
            raise  # the waiter was cancelled (its client went away), not the run
    except Exception:  # the run failed or the wait timed out: Aegra stored the outcome, the caller reads it
        return


async def wait_until_finished(run_id: str, *, timeout: float) -> None:
    """Return once the run is neither pending nor running (or gone); TimeoutError after ``timeout`` seconds."""
    from aegra_api.core.active_runs import active_runs

    deadline = time.monotonic() + timeout
    while True:
        task = active_runs.get(run_id)
        if task is not None:
            await _follow_task(task, timeout=max(0.0, deadline - time.monotonic()))
        if await _stored_status(run_id) not in ACTIVE:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"run {run_id} still active after {timeout}s")
        # Owned elsewhere (another process, or waiting for the recovery sweep): follow its stored status.
        await asyncio.sleep(_POLL_SECONDS)


def install_completion_wait(executor: Any) -> None:
    """Make ``executor.wait_for_completion`` wait for the stored run, wherever it runs."""

    async def wait_for_completion(run_id: str, *, timeout: float = 300.0) -> None:
        await wait_until_finished(run_id, timeout=timeout)

    executor.wait_for_completion = wait_for_completion
