"""Ticket tools inside the real graph on the real server: a customer only ever sees their own tickets."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def turn(server: ServerProcess, customer_id: str, text: str) -> dict[str, Any]:
    client = get_client(url=server.url, headers=server.headers)
    thread = await client.threads.create(metadata={"customer_id": customer_id})
    result = await client.runs.wait(
        thread["thread_id"],
        "support",
        input={"messages": [{"role": "user", "content": text}]},
        context={"customer_id": customer_id},
    )
    assert isinstance(result, dict)
    return result


async def test_lookup_through_the_graph_respects_ownership(live_server: ServerProcess) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        mine = (await http.post("/tickets", json={"customer_id": alice, "subject": "Sync stuck on laptop"})).json()
        secret = "Bob's confidential merger invoice"
        theirs = (await http.post("/tickets", json={"customer_id": bob, "subject": secret})).json()

    own = await turn(live_server, alice, f"What's the status of ticket {mine['id']}?")
    assert [(t["id"], t["subject"]) for t in own["tickets"]] == [(mine["id"], "Sync stuck on laptop")]

    foreign = await turn(live_server, alice, f"What's the status of ticket {theirs['id']}?")
    assert [(t["id"], t["status"]) for t in foreign["tickets"]] == [(theirs["id"], "not found")]
    assert secret not in str(foreign)

    listing = await turn(live_server, bob, "Can you list my tickets?")
    seen = str([m["content"] for m in listing["messages"]]) + str(listing["tickets"])
    assert theirs["id"] in seen and mine["id"] not in seen and "Sync stuck" not in seen
