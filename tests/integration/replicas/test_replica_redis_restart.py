"""A Redis restart (its job queue and event buffers gone) mid-traffic: every acknowledged message is answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.integration.replicas.executing import executing_replica
from tests.redis_server import RedisProcess
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration

JOIN_TIMEOUT_S = 300.0  # the reaper re-pushes lost pending runs; a deadline for a broken recovery only


async def test_redis_restart_loses_no_acknowledged_message(
    start_replicas: Callable[..., tuple[list[ServerProcess], RedisProcess]],
) -> None:
    replicas, redis = start_replicas(2)
    clients = [get_client(url=server.url, headers=server.headers) for server in replicas]
    thread_id = (await clients[0].threads.create())["thread_id"]
    await clients[0].runs.wait(thread_id, "echo", input=ask("before"))
    running = await clients[0].runs.create(thread_id, "echo", input=ask("during"), context={"delay_s": 4})
    await executing_replica(replicas, running["run_id"])
    queued = [await clients[i % 2].runs.create(thread_id, "echo", input=ask(f"queued {i}")) for i in range(3)]

    redis.kill()  # the queue, the replay buffers and the done keys go with it
    redis.start()  # same port, empty

    for run in (running, *queued):
        await asyncio.wait_for(clients[1].runs.join(thread_id, run["run_id"]), timeout=JOIN_TIMEOUT_S)
        status = (await clients[1].runs.get(thread_id, run["run_id"]))["status"]
        assert status == "success", f"run {run['run_id']} is {status!r}"
    result = await clients[1].runs.wait(thread_id, "echo", input=ask("after"))
    assert isinstance(result, dict)
    assert [m["content"] for m in result["messages"]] == [
        "before",
        "echo #1: before",
        "during",
        "echo #2: during",
        "queued 0",
        "echo #3: queued 0",
        "queued 1",
        "echo #4: queued 1",
        "queued 2",
        "echo #5: queued 2",
        "after",
        "echo #6: after",
    ]
