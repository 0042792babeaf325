"""Postgres crashed and restarted under two replicas: they reconnect, nothing acknowledged is lost or stuck."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.conftest import create_database
from tests.integration.replicas.executing import executing_replica, other_replica
from tests.killable_postgres import KillablePostgres
from tests.redis_server import RedisProcess
from tests.sdk_turns import ask
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

JOIN_TIMEOUT_S = 300.0  # lease expiry plus the reaper, on a loaded machine; a deadline for a broken recovery only


async def _ready_status(server: ServerProcess) -> int | None:
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            return (await http.get("/ready", timeout=2.0)).status_code
    except httpx.HTTPError:
        return None


async def _all_ready(replicas: list[ServerProcess], status: int) -> bool:
    return all([await _ready_status(server) == status for server in replicas])


def _contents(state: dict[str, Any]) -> list[str]:
    return [str(message["content"]) for message in state["values"].get("messages", [])]


async def test_postgres_restart_under_replicas_loses_no_acknowledged_message(
    killable_pg: KillablePostgres,
    start_replicas: Callable[..., tuple[list[ServerProcess], RedisProcess]],
) -> None:
    _, database_url = create_database(killable_pg.url, prefix="rep")
    replicas, _ = start_replicas(2, database_url=database_url)
    clients = [get_client(url=server.url, headers=server.headers) for server in replicas]
    thread_id = (await clients[0].threads.create())["thread_id"]
    await clients[0].runs.wait(thread_id, "echo", input=ask("before"))
    in_flight = await clients[0].runs.create(thread_id, "echo", input=ask("during"), context={"delay_s": 4})
    executing = await executing_replica(replicas, in_flight["run_id"])
    client = clients[replicas.index(other_replica(replicas, executing))]
    queued = await client.runs.create(thread_id, "echo", input=ask("queued"))

    async def running() -> bool:
        return (await client.runs.get(thread_id, in_flight["run_id"]))["status"] == "running"

    await wait_until(running, what="the run in flight is running when Postgres dies")
    killable_pg.kill()
    await wait_until(lambda: _all_ready(replicas, 503), what="both replicas say /ready 503 while Postgres is down")
    with pytest.raises(httpx.HTTPStatusError) as refused:  # the client is told, not left waiting
        await client.runs.create(thread_id, "echo", input=ask("during the outage"))
    assert refused.value.response.status_code == 503
    killable_pg.restart()
    await wait_until(lambda: _all_ready(replicas, 200), what="both replicas say /ready 200 after the restart")

    statuses = {}
    for name, run in (("in flight", in_flight), ("queued", queued)):
        await asyncio.wait_for(client.runs.join(thread_id, run["run_id"]), timeout=JOIN_TIMEOUT_S)
        statuses[name] = (await client.runs.get(thread_id, run["run_id"]))["status"]
    print(f"\nafter the Postgres restart: {statuses}")  # noqa: T201  # the lead reports which way it went (-s)
    # The run in flight may finish (re-queued once its lease expired) or fail visibly; the queued one must run.
    assert statuses["in flight"] in ("success", "error"), statuses
    assert statuses["queued"] == "success", statuses

    for index, replica_client in enumerate(clients):  # both replicas serve again, each on the restarted database
        result = await replica_client.runs.wait(thread_id, "echo", input=ask(f"after {index}"))
        assert isinstance(result, dict) and result["messages"][-1]["content"].endswith(f": after {index}"), result
    contents = _contents(await clients[1].threads.get_state(thread_id))
    assert "during the outage" not in contents  # refused with 503: never stored
    for text in ("before", "queued", "after 0", "after 1"):
        assert contents.count(text) == 1, (text, contents)
        assert contents[contents.index(text) + 1].endswith(f": {text}"), (text, contents)
    if statuses["in flight"] == "success":
        assert contents.count("during") == 1 and contents[contents.index("during") + 1].endswith(": during"), contents
    assert contents.index("before") < contents.index("queued") < contents.index("after 0") < contents.index("after 1")
