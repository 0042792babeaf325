"""A run is owned before anyone can see it, and a wait follows the stored run wherever it executes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from server.runs.locks import RUN_OWNERSHIP
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration

# Fires in the transaction that inserts a run, before it commits: is the run's ownership lock held right then?
# A try-lock in that transaction succeeds only while no other session holds it (and it ends with the transaction).
_PROBE_SQL = f"""
CREATE TABLE claim_probe (run_id text PRIMARY KEY, owned_at_insert boolean NOT NULL);
CREATE FUNCTION probe_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO claim_probe VALUES (NEW.run_id, NOT pg_try_advisory_xact_lock({RUN_OWNERSHIP}, hashtext(NEW.run_id)));
  RETURN NEW;
END $$;
CREATE TRIGGER probe_claim AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION probe_claim();
"""


async def test_every_run_is_owned_before_its_row_commits(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    async with await psycopg.AsyncConnection.connect(server.database_url, autocommit=True) as conn:
        await conn.execute(_PROBE_SQL)
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    created = await client.runs.create(thread_id, "echo", input=ask("create"), context={"delay_s": 0.2})
    await client.runs.wait(thread_id, "echo", input=ask("wait"))
    async for _ in client.runs.stream(thread_id, "echo", input=ask("stream")):
        pass
    await client.runs.join(thread_id, created["run_id"])
    async with await psycopg.AsyncConnection.connect(server.database_url, autocommit=True) as conn:
        rows = await (await conn.execute("SELECT run_id, owned_at_insert FROM claim_probe")).fetchall()
    assert len(rows) == 3
    # Unowned for even a moment, a recovery sweep elsewhere could adopt the run while its creator runs it too.
    assert all(owned for _, owned in rows), rows


async def test_join_on_another_process_waits_for_the_run(server_factory: Callable[..., ServerProcess]) -> None:
    owner = server_factory()
    other = server_factory(database_url=owner.database_url)
    owner_client = get_client(url=owner.url, headers=owner.headers)
    other_client = get_client(url=other.url, headers=other.headers)
    thread_id = (await owner_client.threads.create())["thread_id"]
    run = await owner_client.runs.create(thread_id, "echo", input=ask("slow"), context={"delay_s": 2})
    # The other process has no task for this run: its join used to answer at once, "incomplete".
    result = await asyncio.wait_for(other_client.runs.join(thread_id, run["run_id"]), timeout=180)
    assert isinstance(result, dict)
    assert "__error__" not in result, result
    assert result["messages"][-1]["content"] == "echo #1: slow"
    assert (await other_client.runs.get(thread_id, run["run_id"]))["status"] == "success"
