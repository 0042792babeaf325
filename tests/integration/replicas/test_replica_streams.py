"""A run executing on one replica, followed and cancelled through another: Aegra's Redis pub/sub and cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.integration.replicas.executing import executing_replica, other_replica
from tests.redis_server import RedisProcess
from tests.sdk_turns import ask
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

REPLAY_BUFFER_PREFIX = "aegra:run:cache:"  # Aegra's REDIS_CHANNEL_PREFIX + "cache:" + run id: a run's event list


async def _joined_events(server: ServerProcess, thread_id: str, run_id: str) -> list[tuple[str, Any]]:
    client = get_client(url=server.url, headers=server.headers)
    return [(part.event, part.data) async for part in client.runs.join_stream(thread_id, run_id)]


async def test_join_stream_on_another_replica_gets_every_event(
    replicas: list[ServerProcess], redis_server: RedisProcess
) -> None:
    client = get_client(url=replicas[0].url, headers=replicas[0].headers)
    thread_id = (await client.threads.create())["thread_id"]
    # Long enough for both joins to attach while it runs (a join on a finished run gets only `end`).
    run = await client.runs.create(
        thread_id, "echo", input=ask("hello"), context={"delay_s": 20}, stream_mode=["values", "updates"]
    )
    worker = await executing_replica(replicas, run["run_id"])
    watcher = other_replica(replicas, worker)

    buffered = redis.Redis.from_url(redis_server.url)

    def first_events_published() -> bool:
        return int(buffered.llen(f"{REPLAY_BUFFER_PREFIX}{run['run_id']}")) >= 2  # type: ignore[arg-type]

    # The first events (metadata, the input's values) are out before these clients join: they must be replayed.
    await wait_until(first_events_published, what="the run's first events are in Aegra's replay buffer")
    events, own_events = await asyncio.gather(
        _joined_events(watcher, thread_id, run["run_id"]), _joined_events(worker, thread_id, run["run_id"])
    )
    kinds = [kind for kind, _ in events]
    assert kinds == ["metadata", "values", "updates", "values", "end"], kinds
    values = [data for kind, data in events if kind == "values"]
    assert [m["content"] for m in values[0]["messages"]] == ["hello"]
    assert [m["content"] for m in events[2][1]["echo"]["messages"]] == ["echo #1: hello"]
    assert [m["content"] for m in values[-1]["messages"]] == ["hello", "echo #1: hello"]
    assert events[-1][1] == {"status": "success"}
    # The replica executing the run sends its own client the same events.
    assert own_events == events


async def test_cancel_through_another_replica_stops_the_run(replicas: list[ServerProcess]) -> None:
    client = get_client(url=replicas[0].url, headers=replicas[0].headers)
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "echo", input=ask("long"), context={"delay_s": 600})
    worker = await executing_replica(replicas, run["run_id"])
    canceller = get_client(url=other_replica(replicas, worker).url, headers=worker.headers)
    await canceller.runs.cancel(thread_id, run["run_id"], wait=True)
    # The run would answer after 600 s; interrupted now, its reply never written, and the thread free again.
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "interrupted"
    result = await canceller.runs.wait(thread_id, "echo", input=ask("next"))
    assert isinstance(result, dict)
    assert [m["content"] for m in result["messages"]] == ["long", "next", "echo #2: next"]
