"""The LangGraph API through the official langgraph-sdk, against the real server on real Postgres."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration

CUSTOMER = {"customer_id": "sdk-customer"}


async def test_assistants_search_and_graph(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    assistants = await client.assistants.search(graph_id="support")
    assert [a["graph_id"] for a in assistants] == ["support"]
    graph = await client.assistants.get_graph(assistants[0]["assistant_id"])
    node_ids = {node["id"] for node in graph["nodes"]}
    assert {"classify", "retrieve", "respond", "escalate", "summarize"} <= node_ids


async def test_thread_lifecycle(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    marker = uuid.uuid4().hex
    thread = await client.threads.create(metadata={"customer_id": "sdk-customer", "marker": marker})
    thread_id = thread["thread_id"]
    assert (await client.threads.get(thread_id))["metadata"]["marker"] == marker
    found = await client.threads.search(metadata={"marker": marker})
    assert [t["thread_id"] for t in found] == [thread_id]

    result = await client.runs.wait(thread_id, "support", input=ask("How do I reset my password?"), context=CUSTOMER)
    assert isinstance(result, dict)
    assert result["messages"][-1]["type"] == "ai" and result["messages"][-1]["content"]

    await client.runs.wait(thread_id, "support", input=ask("Thanks, that worked"), context=CUSTOMER)
    state = await client.threads.get_state(thread_id)
    humans = [m["content"] for m in state["values"]["messages"] if m["type"] == "human"]
    assert humans == ["How do I reset my password?", "Thanks, that worked"]
    history = await client.threads.get_history(thread_id, limit=50)
    assert len(history) >= 2  # at least one checkpoint per turn
    assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    earlier = [m["content"] for m in history[-1]["values"].get("messages", []) if m["type"] == "human"]
    assert "Thanks, that worked" not in earlier  # older checkpoints hold older states

    await client.threads.delete(thread_id)
    with pytest.raises(httpx.HTTPStatusError) as err:
        await client.threads.get(thread_id)
    assert err.value.response.status_code == 404


async def test_stream_modes(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread = await client.threads.create()
    events: dict[str, int] = {}
    streamed_text = ""
    async for part in client.runs.stream(
        thread["thread_id"],
        "support",
        input=ask("I was charged twice on my invoice, what should I do?"),
        context=CUSTOMER,
        stream_mode=["values", "updates", "messages-tuple"],
    ):
        kind = part.event.split("|")[0]
        events[kind] = events.get(kind, 0) + 1
        if kind == "messages" and isinstance(part.data, list):
            chunk = part.data[0]
            if chunk.get("type") in ("ai", "AIMessageChunk") and isinstance(chunk.get("content"), str):
                streamed_text += chunk["content"]
        if kind == "updates":
            assert isinstance(part.data, dict)
    assert events.get("values", 0) >= 2
    assert events.get("updates", 0) >= 3  # classify, retrieve, respond at least
    assert events.get("messages", 0) >= 1
    state = await client.threads.get_state(thread["thread_id"])
    final = state["values"]["messages"][-1]["content"]
    assert streamed_text.strip() and streamed_text.strip() in final


async def test_background_run_then_join(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "support", input=ask("Where is my order?"), context=CUSTOMER)
    assert run["status"] in ("pending", "running")
    joined = await client.runs.join(thread["thread_id"], run["run_id"])
    assert joined["messages"][-1]["type"] == "ai"
    assert (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "success"


async def test_store_put_and_search(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    namespace = ["customers", "default", f"c-{uuid.uuid4().hex[:8]}", "memories"]
    await client.store.put_item(namespace, key="plan", value={"fact": "Customer is on the Pro plan"})
    await client.store.put_item(namespace, key="language", value={"fact": "Prefers Spanish"})
    found = await client.store.search_items(namespace)
    assert {item["key"] for item in found["items"]} == {"plan", "language"}
    item = await client.store.get_item(namespace, key="plan")
    assert item["value"]["fact"] == "Customer is on the Pro plan"
