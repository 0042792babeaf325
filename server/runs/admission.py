"""Admission of new runs to a thread: the multitask strategy, message ids and the customer on the thread.

Aegra ignores ``multitask_strategy``. Admission here runs inside Aegra's own run-creation transaction
under a per-thread advisory lock, so two server processes cannot both admit a run while the other
checks: ``reject`` answers 409 while a run is pending or running; ``interrupt`` and ``rollback``
interrupt the active runs first; ``enqueue`` (the default) queues the run behind them. The run's ownership
lock is taken before that transaction commits (see ``ownership``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Final

from fastapi import HTTPException
from sqlalchemy import select, text, update

from server.runs.locks import THREAD_ADMISSION, XACT_LOCK_SQL
from server.runs.ownership import claim_new_run, release_unsubmitted

STRATEGIES: Final = ("reject", "interrupt", "rollback", "enqueue")
DEFAULT_STRATEGY: Final = "enqueue"


def assign_message_ids(run_input: dict[str, Any] | None) -> None:
    """Give each input message a stable id, so re-executing a recovered run cannot duplicate it."""
    if not run_input:
        return
    messages = run_input.get("messages")
    if not isinstance(messages, list):
        return
    for message in messages:
        if isinstance(message, dict) and not message.get("id"):
            message["id"] = str(uuid.uuid4())


async def _active_runs(session: Any, thread_id: str) -> list[Any]:
    from aegra_api.core.orm import Run as RunORM

    stmt = select(RunORM).where(RunORM.thread_id == thread_id, RunORM.status.in_(("pending", "running")))
    return list((await session.scalars(stmt)).all())


async def _tag_thread_customer(session: Any, thread_id: str, context: dict[str, Any]) -> None:
    """Record the customer on the thread's metadata so staff tools and data rights can find it."""
    from aegra_api.core.orm import Thread as ThreadORM

    customer_id = context.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id:
        return
    tenant = context.get("tenant") if isinstance(context.get("tenant"), str) else "default"
    thread = await session.scalar(select(ThreadORM).where(ThreadORM.thread_id == thread_id))
    if thread is None:
        return
    metadata = dict(thread.metadata_json or {})
    if metadata.get("customer_id") not in (None, customer_id):
        return  # a thread never changes hands (the auth handler refuses such a run before it gets here)
    if metadata.get("customer_id") == customer_id and metadata.get("tenant") == tenant:
        return
    metadata.update(customer_id=customer_id, tenant=tenant)
    await session.execute(update(ThreadORM).where(ThreadORM.thread_id == thread_id).values(metadata_json=metadata))


@contextmanager
def _owned_on_commit(session: Any) -> Iterator[list[str]]:
    """While the block runs, committing ``session`` first claims every run it creates; yields their ids.

    So the run's ownership lock is held before any other process can see the run, and no recovery sweep can take
    it for an orphan: ordering by construction, where a grace period on the run's age only made it unlikely.
    """
    from aegra_api.core.orm import Run as RunORM

    commit = session.commit
    created: list[str] = []

    async def commit_owned() -> None:
        for pending in list(session.new):
            if isinstance(pending, RunORM):
                await claim_new_run(pending.run_id)
                created.append(pending.run_id)
        await commit()

    session.commit = commit_owned
    try:
        yield created
    finally:
        del session.commit  # the class's own commit again


def install_admission(*, own_runs: bool = True) -> None:
    """Wrap Aegra's run preparation with the multitask strategy (idempotent).

    ``own_runs`` takes each new run's ownership lock before it commits (one-host mode); with Aegra's workers
    (Redis mode) the run's lease in Postgres is its ownership instead.
    """
    import aegra_api.api.runs as runs_api
    import aegra_api.services.run_preparation as preparation

    original = preparation._prepare_run
    if getattr(original, "_support_admission", False):
        return

    async def prepare_run(
        session: Any, thread_id: str, request: Any, user: Any, *, initial_status: str, **kwargs: Any
    ) -> Any:
        strategy = request.multitask_strategy or DEFAULT_STRATEGY
        if strategy not in STRATEGIES:
            raise HTTPException(422, f"multitask_strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
        await session.execute(text(XACT_LOCK_SQL), {"cls": THREAD_ADMISSION, "key": thread_id})
        active = await _active_runs(session, thread_id)
        if active and strategy == "reject":
            ids = ", ".join(run.run_id for run in active)
            raise HTTPException(409, f"Thread {thread_id} already has an active run ({ids}); multitask_strategy=reject")
        if active and strategy in ("interrupt", "rollback"):
            for run in active:
                await runs_api._request_run_interruption(session, run, "interrupt")
            await session.execute(text(XACT_LOCK_SQL), {"cls": THREAD_ADMISSION, "key": thread_id})
        assign_message_ids(request.input)
        await _tag_thread_customer(session, thread_id, request.context or {})
        no_claims: list[str] = []  # with Aegra's workers the lease owns the run
        owning: AbstractContextManager[list[str]] = _owned_on_commit(session) if own_runs else nullcontext(no_claims)
        with owning as created:
            try:
                return await original(session, thread_id, request, user, initial_status=initial_status, **kwargs)
            finally:
                for run_id in created:  # a no-op once the executor took the claim
                    await release_unsubmitted(run_id)

    prepare_run._support_admission = True  # type: ignore[attr-defined]
    preparation._prepare_run = prepare_run
    runs_api._prepare_run = prepare_run
