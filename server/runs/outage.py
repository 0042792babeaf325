"""Runs that fail because Postgres went away are retried, not failed.

Aegra's ``execute_run`` marks a run ``error`` whatever the exception. When the database is unreachable the run did
nothing wrong: its input is stored and it can run again once Postgres is back. While attempts remain, the
executor (``executor.execute_in_order``) sets :data:`deferrable`; Aegra's error finalisation is then skipped for a
database outage, the run stays ``pending``/``running``, and the executor retries it when the database answers.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # Aegra's driver; no stubs
import psycopg
import sqlalchemy.exc

logger = logging.getLogger(__name__)

_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # also psycopg_pool.PoolTimeout, AdminShutdown, "server closed the connection"
    psycopg.InterfaceError,  # "the connection is closed"
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,  # "the database system is starting up" / "in recovery mode"
    ConnectionError,  # asyncpg and SQLAlchemy let a refused or reset socket through unwrapped
    FileNotFoundError,  # ... and a missing Unix socket file, while the embedded Postgres is down
)


@dataclass
class Deferral:
    """Whether Aegra may leave the run unfinished this attempt, and whether it did."""

    allowed: bool
    deferred: bool = False


deferrable: ContextVar[Deferral | None] = ContextVar("support_run_deferral", default=None)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or anything it wraps) says the database could not be reached."""
    if exc is None:
        return False
    for error in _chain(exc):
        if isinstance(error, _OUTAGE_TYPES):
            return True
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return True
    return False


async def wait_for_database(*, timeout_s: float, poll_s: float = 0.5) -> bool:
    """Wait until the process's readiness probe sees the database (True), or ``timeout_s`` passes (False)."""
    from server.health import database_readiness

    readiness = database_readiness()
    deadline = time.monotonic() + timeout_s
    while not await readiness.ready():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(poll_s)
    return True


def install_outage_deferral() -> None:
    """Make Aegra's executor leave a run unfinished, instead of ``error``, when the database was unreachable."""
    import aegra_api.services.run_executor as run_executor

    finalize = run_executor.finalize_run
    if getattr(finalize, "_support_deferral", False):
        return

    async def finalize_run(run_id: str, thread_id: str, *, status: str, **kwargs: Any) -> bool:
        deferral = deferrable.get()
        # Aegra calls this from inside its `except Exception as exc:` block, so the exception being handled is
        # the one that failed the run.
        failure = sys.exc_info()[1]
        if status == "error" and deferral is not None and deferral.allowed and is_database_outage(failure):
            deferral.deferred = True
            logger.warning("run %s lost the database (%s); it will be retried", run_id, type(failure).__name__)
            return False
        result: bool = await finalize(run_id, thread_id, status=status, **kwargs)
        return result

    finalize_run._support_deferral = True  # type: ignore[attr-defined]
    run_executor.finalize_run = finalize_run
