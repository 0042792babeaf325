"""The escalation policy and routing end to end: real signals, real graph, real server, inbox as the witness."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def first_turn(server: ServerProcess, customer_id: str, text: str) -> tuple[str, str]:
    """Run one customer message in a new thread; returns (thread_id, thread status)."""
    client = get_client(url=server.url, headers=server.headers)
    thread = await client.threads.create(metadata={"customer_id": customer_id})
    await client.runs.wait(
        thread["thread_id"],
        "support",
        input={"messages": [{"role": "user", "content": text}]},
        context={"customer_id": customer_id},
    )
    return thread["thread_id"], (await client.threads.get(thread["thread_id"]))["status"]


async def inbox_item(http: httpx.AsyncClient, thread_id: str) -> dict[str, Any] | None:
    items = (await http.get("/inbox")).json()["items"]
    return next((i for i in items if i["thread_id"] == thread_id), None)


async def test_legal_threat_goes_to_trust_and_safety(live_server: ServerProcess) -> None:
    customer = f"esc-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        await http.post("/customers", json={"id": customer, "name": "Lex", "tier": "enterprise"})
        thread_id, status = await first_turn(
            live_server, customer, "If this charge is not reversed today I will sue you, my lawyer is ready."
        )
        assert status == "interrupted"
        item = await inbox_item(http, thread_id)
        assert item is not None
        assert (item["team"], item["reason"], item["category"]) == ("trust_and_safety", "legal_threat", "legal")
        assert item["priority"] in ("high", "urgent") and "Legal threat" in item["summary"]


async def test_repeat_contact_about_open_ticket_reuses_it(live_server: ServerProcess) -> None:
    customer = f"esc-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        earlier = (
            await http.post(
                "/tickets",
                json={
                    "customer_id": customer,
                    "subject": "Refund for double charge",
                    "category": "refund",
                    "thread_id": "an-earlier-conversation",
                },
            )
        ).json()
        thread_id, status = await first_turn(
            live_server, customer, "I still have not received the refund for the double charge on my card."
        )
        assert status == "interrupted"
        item = await inbox_item(http, thread_id)
        assert item is not None
        assert (item["reason"], item["ticket_id"], item["team"]) == ("repeat_contact", earlier["id"], "billing")
        assert "Contacted again" in item["summary"]


async def test_ordinary_question_is_not_escalated(live_server: ServerProcess) -> None:
    customer = f"esc-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        thread_id, status = await first_turn(live_server, customer, "How do I share a notebook with a colleague?")
        assert status == "idle" and await inbox_item(http, thread_id) is None
