"""A conversation resumes after the server stops and starts again: the history is intact and used."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration


async def test_third_turn_after_restart_sees_the_first_two(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "echo", input=ask("one"))
    await client.runs.wait(thread_id, "echo", input=ask("two"))
    server.stop()

    restarted = server_factory(database_url=server.database_url)
    client = get_client(url=restarted.url, headers=restarted.headers)
    result = await client.runs.wait(thread_id, "echo", input=ask("three"))
    assert isinstance(result, dict)
    assert [m["content"] for m in result["messages"]] == [
        "one",
        "echo #1: one",
        "two",
        "echo #2: two",
        "three",
        "echo #3: three",  # the graph counted the turns from before the restart
    ]
    history = await client.threads.get_history(thread_id, limit=100)
    assert len(history) >= 3  # at least one checkpoint per turn, all kept across the restart


async def test_support_agent_uses_history_after_restart(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(seed=True)
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    customer = {"customer_id": "restart-customer"}
    await client.runs.wait(
        thread_id, "support", input=ask("Hi, we're on the Business plan and I forgot my password."), context=customer
    )
    await client.runs.wait(thread_id, "support", input=ask("How do I export my notes?"), context=customer)
    server.stop()

    restarted = server_factory(database_url=server.database_url)
    client = get_client(url=restarted.url, headers=restarted.headers)
    result = await client.runs.wait(thread_id, "support", input=ask("What plan am I on?"), context=customer)
    assert isinstance(result, dict)
    humans = [m["content"] for m in result["messages"] if m["type"] == "human"]
    assert humans[-3:] == [
        "Hi, we're on the Business plan and I forgot my password.",
        "How do I export my notes?",
        "What plan am I on?",
    ]
    assert "Business plan" in result["messages"][-1]["content"]
