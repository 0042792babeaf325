"""Which failures count as a database outage, and the registry of in-process runs follows its tasks."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import psycopg_pool
import pytest
import sqlalchemy.exc

from server.runs.jobs import reclaim_run, track_run_task
from server.runs.outage import is_database_outage


def _wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("graph node failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "outage"),
    [
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 30.00 sec"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("gone")), True),
        (sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True), True),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (FileNotFoundError(2, "No such file or directory: '/tmp/pg/.s.PGSQL.5432'"), True),
        (_wrapped(psycopg.OperationalError("terminating connection due to administrator command")), True),
        (ExceptionGroup("tasks", [ValueError("x"), psycopg.OperationalError("gone")]), True),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("bad"), connection_invalidated=False), False),
        (ValueError("the model answered nonsense"), False),
        (_wrapped(KeyError("messages")), False),
        (None, False),
    ],
)
def test_is_database_outage(exc: BaseException | None, outage: bool) -> None:
    assert is_database_outage(exc) is outage


async def test_a_finished_run_task_leaves_the_registry_however_it_ends() -> None:
    from aegra_api.core.active_runs import active_runs

    async def lose_the_database() -> None:
        raise psycopg.OperationalError("connection refused")  # before Aegra's execute_run could unregister it

    task = asyncio.create_task(lose_the_database())
    track_run_task("run-db-lost", task)
    assert active_runs["run-db-lost"] is task
    with pytest.raises(psycopg.OperationalError):
        await task
    await asyncio.sleep(0)  # done callbacks run on the next loop iteration
    assert "run-db-lost" not in active_runs


async def test_a_retrying_task_registers_again_and_a_stale_callback_leaves_its_successor() -> None:
    from aegra_api.core.active_runs import active_runs

    first = asyncio.create_task(asyncio.sleep(0))
    track_run_task("run-retried", first)
    registered = asyncio.Event()

    async def retry() -> None:
        active_runs.pop("run-retried", None)  # what Aegra's execute_run does when it returns
        reclaim_run("run-retried")
        registered.set()
        await asyncio.Event().wait()

    second = asyncio.create_task(retry())
    await registered.wait()
    await first
    await asyncio.sleep(0)
    assert active_runs["run-retried"] is second  # the first task's callback did not remove its successor
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    await asyncio.sleep(0)
    assert "run-retried" not in active_runs
