"""Staff act on the inbox with an API key in ``X-Api-Key``, the header the README's curl examples use."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.sdk_turns import ask, last_reply

pytestmark = pytest.mark.integration


async def test_reply_and_close_with_an_x_api_key_reach_the_customer(live_server: ServerProcess) -> None:
    customer = f"xkey-{uuid.uuid4().hex[:8]}"
    client = get_client(url=live_server.url, headers=live_server.customer_headers(customer))
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "support", input=ask("My invoice is wrong, I want to speak to a human please."))
    staff = {"X-Api-Key": live_server.admin_key or ""}
    async with httpx.AsyncClient(base_url=live_server.url, headers=staff, timeout=120) as http:
        items = (await http.get("/inbox")).json()["items"]
        handoff_id = next(item["id"] for item in items if item["thread_id"] == thread_id)
        assert (await http.post(f"/inbox/{handoff_id}/claim", json={"agent": "Sam"})).status_code == 200
        replied = await http.post(f"/inbox/{handoff_id}/reply", json={"agent": "Sam", "text": "Sam here, fixed."})
        assert replied.status_code == 200, replied.text
        closed = await http.post(
            f"/inbox/{handoff_id}/close", json={"agent": "Sam", "resolution": "invoice fixed", "text": "Bye for now."}
        )
        assert closed.status_code == 200, closed.text
    contents = [m["content"] for m in (await client.threads.get_state(thread_id))["values"]["messages"]]
    assert "Sam here, fixed." in contents and "Bye for now." in contents
    answer = last_reply(await client.runs.wait(thread_id, "support", input=ask("How do I reset my password?")))
    assert "[reset-password]" in answer
