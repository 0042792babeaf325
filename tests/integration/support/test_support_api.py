"""Tickets, customers and conversation-end routes through the real server: behaviour and bad-input codes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_demo_customers_are_seeded(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        ben = await http.get("/customers/demo-ben")
        assert ben.status_code == 200 and ben.json()["tier"] == "premium"
        tickets = (await http.get("/customers/demo-chloe/tickets")).json()["tickets"]
        assert len(tickets) >= 2 and all(t["customer_id"] == "demo-chloe" for t in tickets)


async def test_ticket_lifecycle_and_transition_rules(live_server: ServerProcess) -> None:
    customer = new_id("api")
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        made = await http.post(
            "/tickets", json={"customer_id": customer, "subject": "App crashes", "priority": "high", "tags": ["ios"]}
        )
        assert made.status_code == 201
        ticket = made.json()
        assert ticket["id"].startswith("T-") and ticket["status"] == "open" and ticket["tags"] == ["ios"]
        tid = ticket["id"]
        assert (await http.get(f"/customers/{customer}")).status_code == 200  # created on first contact

        moved = await http.patch(f"/tickets/{tid}", json={"status": "in_progress", "actor": "agent:kim"})
        assert moved.status_code == 200 and moved.json()["allowed_transitions"] == [
            "open",
            "pending",
            "resolved",
            "closed",
        ]
        await http.patch(f"/tickets/{tid}", json={"status": "closed", "comment": "duplicate of T-1"})
        refused = await http.patch(f"/tickets/{tid}", json={"status": "open", "comment": "reopen please"})
        assert refused.status_code == 409
        error = refused.json()
        assert error["error"] == "conflict" and error["details"]["allowed_transitions"] == []
        assert error["details"]["current"] == "closed" and "closed" in error["message"]

        events = (await http.get(f"/tickets/{tid}/events")).json()["events"]
        assert [e["kind"] for e in events] == ["created", "status", "status", "comment"]
        assert "reopen please" not in str(events)  # the refused change stored nothing

        listed = (await http.get("/tickets", params={"customer_id": customer})).json()["tickets"]
        assert [t["id"] for t in listed] == [tid]
        assert (await http.get("/tickets", params={"customer_id": customer, "status": "open"})).json()["tickets"] == []


async def test_resolved_ticket_conflict_lists_allowed(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        tid = (await http.post("/tickets", json={"customer_id": new_id("api"), "subject": "x"})).json()["id"]
        await http.patch(f"/tickets/{tid}", json={"status": "resolved", "resolution": "fixed"})
        conflict = await http.patch(f"/tickets/{tid}", json={"status": "pending"})
        assert conflict.status_code == 409
        assert conflict.json()["details"]["allowed_transitions"] == ["open", "closed"]
        assert "allowed: open, closed" in conflict.json()["message"]


async def test_bad_input_codes(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        for response in (
            await http.get("/tickets/T-99999999"),
            await http.patch("/tickets/T-99999999", json={"status": "open"}),
            await http.get("/tickets/T-99999999/events"),
            await http.get("/customers/nobody-here"),
            await http.patch("/customers/nobody-here", json={"name": "x"}),
            await http.get("/customers/nobody-here/tickets"),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["error"] == "not_found"
        tid = (await http.post("/tickets", json={"customer_id": new_id("api"), "subject": "x"})).json()["id"]
        for body in ({"status": "done"}, {"priority": "asap"}, {"owner": "me"}, {"tags": "notalist"}):
            assert (await http.patch(f"/tickets/{tid}", json=body)).status_code == 422, body
        assert (await http.post("/tickets", json={"customer_id": "x", "subject": ""})).status_code == 422
        assert (await http.post("/customers", json={"id": "a b", "tier": "gold"})).status_code == 422
        assert (await http.get("/tickets", params={"limit": 0})).status_code == 422
        assert (await http.get(f"/tickets/{tid}")).json()["status"] == "open"  # nothing changed


async def test_customer_profile_routes(live_server: ServerProcess) -> None:
    cid = new_id("cust")
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        body: dict[str, Any] = {
            "id": cid,
            "name": "Noor",
            "email": "noor@example.org",
            "tier": "enterprise",
            "language": "ar",
            "preferences": {"contact": "email"},
        }
        assert (await http.post("/customers", json=body)).status_code == 201
        patched = await http.patch(f"/customers/{cid}", json={"tier": "premium", "preferences": {"tone": "formal"}})
        assert patched.status_code == 200
        assert patched.json()["tier"] == "premium"
        assert patched.json()["preferences"] == {"contact": "email", "tone": "formal"}
        found = (await http.get("/customers", params={"q": "noor@example"})).json()["customers"]
        assert [c["id"] for c in found] == [cid]


async def test_end_conversation_with_csat(live_server: ServerProcess) -> None:
    customer = new_id("csat")
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread = await client.threads.create(metadata={"customer_id": customer})
    thread_id = thread["thread_id"]
    await client.runs.wait(
        thread_id,
        "support",
        input={"messages": [{"role": "user", "content": "How do I export my notes?"}]},
        context={"customer_id": customer},
    )
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers) as http:
        ticket = (
            await http.post("/tickets", json={"customer_id": customer, "subject": "export", "thread_id": thread_id})
        ).json()
        for rating in (0, 6, "five"):
            bad = await http.post(f"/conversations/{thread_id}/end", json={"rating": rating})
            assert bad.status_code == 422, rating
        assert (await http.post("/conversations/no-such-thread/end", json={"rating": 4})).status_code == 404
        stranger = await http.post(f"/conversations/{thread_id}/end", json={"rating": 1, "customer_id": "someone"})
        assert stranger.status_code == 404

        ended = await http.post(f"/conversations/{thread_id}/end", json={"rating": 5, "comment": "Quick help"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["rating"] == 5 and ended.json()["ended_at"]
        rated = (await http.get(f"/tickets/{ticket['id']}")).json()
        assert rated["satisfaction"] == 5
        outcome = (await http.get(f"/conversations/{thread_id}")).json()
        assert outcome["customer_id"] == customer and outcome["outcome"]["comment"] == "Quick help"
        assert outcome["events"] and outcome["events"][0]["turn"] == 1  # the graph recorded the turn

        resolved = await http.post(f"/conversations/{thread_id}/resolve", json={"by": "bot"})
        assert resolved.status_code == 200 and resolved.json()["resolution"] == "confirmed"
        assert (await http.get(f"/tickets/{ticket['id']}")).json()["status"] == "resolved"
