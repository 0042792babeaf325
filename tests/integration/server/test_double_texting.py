"""Several messages to one thread at once: every one answered, in acknowledgement order, across processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration


def _humans_and_replies(messages: list[dict[str, object]]) -> tuple[list[object], list[object]]:
    humans = [m["content"] for m in messages if m["type"] == "human"]
    replies = [m["content"] for m in messages if m["type"] == "ai"]
    return humans, replies


async def test_concurrent_waits_all_answered_in_order(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    texts = [f"message {i}" for i in range(6)]
    results = await asyncio.gather(
        *(client.runs.wait(thread_id, "echo", input=ask(t), context={"delay_s": 0.2}) for t in texts)
    )
    state = await client.threads.get_state(thread_id)
    humans, replies = _humans_and_replies(state["values"]["messages"])
    assert sorted(humans) == texts  # none lost
    # Each reply follows its own message, and counts every message before it: strictly serial.
    assert replies == [f"echo #{n}: {h}" for n, h in enumerate(humans, start=1)]
    # Each caller got the state after its own message was answered.
    for text, result in zip(texts, results, strict=True):
        assert isinstance(result, dict)
        assert result["messages"][-1]["content"].endswith(f": {text}")
    runs = await client.runs.list(thread_id, limit=20)
    by_creation = [r["input"]["messages"][0]["content"] for r in sorted(runs, key=lambda r: r["created_at"])]
    assert humans == by_creation  # processed in the order the API acknowledged them


async def test_enqueue_keeps_send_order(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    runs = []
    for i in range(4):  # each create returns once the run is acknowledged; the first is still running
        runs.append(await client.runs.create(thread_id, "echo", input=ask(f"m{i}"), context={"delay_s": 0.3}))
    for run in runs:
        await client.runs.join(thread_id, run["run_id"])
    humans, replies = _humans_and_replies((await client.threads.get_state(thread_id))["values"]["messages"])
    assert humans == ["m0", "m1", "m2", "m3"]
    assert replies == ["echo #1: m0", "echo #2: m1", "echo #3: m2", "echo #4: m3"]


async def test_reject_returns_409_while_a_run_is_active(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    first = await client.runs.create(thread_id, "echo", input=ask("slow"), context={"delay_s": 1.5})
    with pytest.raises(httpx.HTTPStatusError) as err:
        await client.runs.create(thread_id, "echo", input=ask("rejected"), multitask_strategy="reject")
    assert err.value.response.status_code == 409
    assert "active run" in err.value.response.json()["message"]
    await client.runs.join(thread_id, first["run_id"])
    # Once idle, reject admits the run, and the rejected message was never stored.
    await client.runs.wait(thread_id, "echo", input=ask("accepted"), multitask_strategy="reject")
    humans, _ = _humans_and_replies((await client.threads.get_state(thread_id))["values"]["messages"])
    assert humans == ["slow", "accepted"]


async def test_two_processes_share_the_queue(
    live_server: ServerProcess, server_factory: Callable[..., ServerProcess]
) -> None:
    second = server_factory(database_url=live_server.database_url)
    clients = [
        get_client(url=live_server.url, headers=live_server.headers),
        get_client(url=second.url, headers=second.headers),
    ]
    thread_id = (await clients[0].threads.create())["thread_id"]
    texts = [f"p{i % 2}-{i}" for i in range(8)]
    await asyncio.gather(
        *(
            clients[i % 2].runs.wait(thread_id, "echo", input=ask(t), context={"delay_s": 0.15})
            for i, t in enumerate(texts)
        )
    )
    humans, replies = _humans_and_replies((await clients[1].threads.get_state(thread_id))["values"]["messages"])
    assert sorted(humans) == sorted(texts)
    assert replies == [f"echo #{n}: {h}" for n, h in enumerate(humans, start=1)]
    # reject holds across processes too
    running = await clients[0].runs.create(thread_id, "echo", input=ask("long"), context={"delay_s": 1.5})
    with pytest.raises(httpx.HTTPStatusError) as err:
        await clients[1].runs.create(thread_id, "echo", input=ask("no"), multitask_strategy="reject")
    assert err.value.response.status_code == 409
    await clients[0].runs.join(thread_id, running["run_id"])
