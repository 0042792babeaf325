"""Through the real server: a customer tells us facts, comes back days later on a new thread, and is remembered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langgraph_sdk import get_client

from graph.memory import memory_namespace
from server.launcher import ServerProcess
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _last_reply(result: Any) -> str:
    assert isinstance(result, dict), result
    return str(result["messages"][-1]["content"])


async def _wait_for_facts(client: Any, namespace: tuple[str, ...], keys: set[str], timeout_s: float = 120) -> None:
    """The memory writer runs after the reply: poll the store (through the API) until the facts are there."""

    async def stored() -> bool:
        items = (await client.store.search_items(list(namespace), limit=50))["items"]
        return keys <= {item["key"] for item in items}

    await wait_until(stored, timeout_s=timeout_s, poll_s=0.5, what=f"the facts {sorted(keys)} are in the store")


async def test_second_session_days_later_recalls_the_first(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    first_thread = (await client.threads.create())["thread_id"]
    first = await client.runs.wait(
        first_thread,
        "support",
        input=_ask("Hi, we're on the Business plan and I can't log in, I forgot my password. Please email me."),
        context={"customer_id": customer},
    )
    assert "[reset-password]" in _last_reply(first)
    await client.runs.wait(
        first_thread, "support", input=_ask("That worked, thanks!"), context={"customer_id": customer}
    )
    namespace = memory_namespace("default", customer)
    await _wait_for_facts(client, namespace, {"plan:plan", "preference:channel", "resolution:account-access"})

    three_days_later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    second_thread = (await client.threads.create())["thread_id"]
    context = {"customer_id": customer, "now": three_days_later}
    greeting = _last_reply(await client.runs.wait(second_thread, "support", input=_ask("Hello again"), context=context))
    assert greeting.startswith("Welcome back")
    assert "Business plan" in greeting or "account access" in greeting

    plan = _last_reply(
        await client.runs.wait(second_thread, "support", input=_ask("What plan am I on?"), context=context)
    )
    assert "You're on the Business plan." in plan

    tried = _last_reply(
        await client.runs.wait(second_thread, "support", input=_ask("What did we try last time?"), context=context)
    )
    assert "Reset a forgotten password" in tried and "[reset-password]" in tried

    # Another customer on the same server sees none of it.
    stranger_thread = (await client.threads.create())["thread_id"]
    stranger = _last_reply(
        await client.runs.wait(
            stranger_thread, "support", input=_ask("What plan am I on?"), context={"customer_id": "someone-else"}
        )
    )
    assert "Business" not in stranger
