"""`kill -9` of a replica mid-run: the other one finishes its runs after lease expiry; nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.integration.replicas.executing import executing_replica, other_replica
from tests.redis_server import RedisProcess
from tests.sdk_turns import ask
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

JOIN_TIMEOUT_S = 300.0  # lease expiry plus the reaper, on a loaded machine; a deadline for broken recovery only


async def test_killed_replica_runs_finish_on_the_survivor(
    start_replicas: Callable[..., tuple[list[ServerProcess], RedisProcess]],
) -> None:
    replicas, _ = start_replicas(2)
    client = get_client(url=replicas[0].url, headers=replicas[0].headers)
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "echo", input=ask("before"))
    interrupted = await client.runs.create(thread_id, "echo", input=ask("during"), context={"delay_s": 4})
    victim = await executing_replica(replicas, interrupted["run_id"])
    survivor = other_replica(replicas, victim)
    client = get_client(url=survivor.url, headers=survivor.headers)
    queued = await client.runs.create(thread_id, "echo", input=ask("queued"))

    async def running() -> bool:
        return (await client.runs.get(thread_id, interrupted["run_id"]))["status"] == "running"

    await wait_until(running, what="the run is running on the replica about to die")
    victim.kill()

    for name, run in (("interrupted", interrupted), ("queued", queued)):
        await asyncio.wait_for(client.runs.join(thread_id, run["run_id"]), timeout=JOIN_TIMEOUT_S)
        status = (await client.runs.get(thread_id, run["run_id"]))["status"]
        assert status == "success", f"{name} run {run['run_id']} is {status!r}"
    result = await client.runs.wait(thread_id, "echo", input=ask("after"))
    assert isinstance(result, dict)
    assert [m["content"] for m in result["messages"]] == [
        "before",
        "echo #1: before",
        "during",
        "echo #2: during",
        "queued",
        "echo #3: queued",
        "after",
        "echo #4: after",
    ]
