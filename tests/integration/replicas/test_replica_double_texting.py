"""Double-texting across replicas: messages to one thread sent through both replicas run one at a time, in order."""

from __future__ import annotations

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


async def test_enqueue_across_replicas_keeps_acknowledgement_order(replicas: list[ServerProcess]) -> None:
    clients = [get_client(url=server.url, headers=server.headers) for server in replicas]
    thread_id = (await clients[0].threads.create())["thread_id"]
    runs = []
    for i in range(6):  # alternate replicas; each create returns once the run is acknowledged
        client = clients[i % 2]
        runs.append(await client.runs.create(thread_id, "echo", input=ask(f"m{i}"), context={"delay_s": 0.3}))
    for i, run in enumerate(runs):
        await clients[(i + 1) % 2].runs.join(thread_id, run["run_id"])  # joined on the other replica
    state = await clients[1].threads.get_state(thread_id)
    humans, replies = _humans_and_replies(state["values"]["messages"])
    assert humans == [f"m{i}" for i in range(6)]
    # Each reply counts every message before it: the runs of the thread never overlapped.
    assert replies == [f"echo #{n}: m{n - 1}" for n in range(1, 7)]
    for run in runs:
        assert (await clients[0].runs.get(thread_id, run["run_id"]))["status"] == "success"


async def test_reject_answers_409_on_the_other_replica(replicas: list[ServerProcess]) -> None:
    first, second = (get_client(url=server.url, headers=server.headers) for server in replicas)
    thread_id = (await first.threads.create())["thread_id"]
    slow = await first.runs.create(thread_id, "echo", input=ask("slow"), context={"delay_s": 2})
    with pytest.raises(httpx.HTTPStatusError) as err:
        await second.runs.create(thread_id, "echo", input=ask("rejected"), multitask_strategy="reject")
    assert err.value.response.status_code == 409
    await second.runs.join(thread_id, slow["run_id"])
    await second.runs.wait(thread_id, "echo", input=ask("accepted"), multitask_strategy="reject")
    humans, _ = _humans_and_replies((await first.threads.get_state(thread_id))["values"]["messages"])
    assert humans == ["slow", "accepted"]
