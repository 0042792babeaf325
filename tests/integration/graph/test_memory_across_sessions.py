"""Through the real server: a customer tells us facts, comes back days later on a new thread, and is remembered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from langgraph_sdk import get_client

from graph.memory import memory_namespace
from server.launcher import ServerProcess
from tests.sdk_turns import ask, facts_in_store, last_reply

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_second_session_days_later_recalls_the_first(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    first_thread = (await client.threads.create())["thread_id"]
    first = await client.runs.wait(
        first_thread,
        "support",
        input=ask("Hi, we're on the Business plan and I can't log in, I forgot my password. Please email me."),
        context={"customer_id": customer},
    )
    assert "[reset-password]" in last_reply(first)
    await client.runs.wait(
        first_thread, "support", input=ask("That worked, thanks!"), context={"customer_id": customer}
    )
    namespace = memory_namespace("default", customer)
    await facts_in_store(client, namespace, {"plan:plan", "preference:channel", "resolution:account-access"})

    three_days_later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    second_thread = (await client.threads.create())["thread_id"]
    context = {"customer_id": customer, "now": three_days_later}
    greeting = last_reply(await client.runs.wait(second_thread, "support", input=ask("Hello again"), context=context))
    assert greeting.startswith("Welcome back")
    assert "Business plan" in greeting or "account access" in greeting

    plan = last_reply(
        await client.runs.wait(second_thread, "support", input=ask("What plan am I on?"), context=context)
    )
    assert "You're on the Business plan." in plan

    tried = last_reply(
        await client.runs.wait(second_thread, "support", input=ask("What did we try last time?"), context=context)
    )
    assert "Reset a forgotten password" in tried and "[reset-password]" in tried

    # Another customer on the same server sees none of it.
    stranger_thread = (await client.threads.create())["thread_id"]
    stranger = last_reply(
        await client.runs.wait(
            stranger_thread, "support", input=ask("What plan am I on?"), context={"customer_id": "someone-else"}
        )
    )
    assert "Business" not in stranger
