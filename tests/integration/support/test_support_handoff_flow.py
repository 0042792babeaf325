"""Escalation -> inbox -> a person's reply -> resumed thread, through the real server and the real graph."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def start_escalated_thread(
    server: ServerProcess, http: httpx.AsyncClient, customer_id: str, text: str, tenant: str = "default"
) -> tuple[str, dict[str, Any]]:
    """A new thread whose first message makes the graph hand it to a person; returns (thread_id, inbox item)."""
    client = get_client(url=server.url, headers=server.key_headers(tenant=tenant))
    thread = await client.threads.create(metadata={"customer_id": customer_id})
    context = {"customer_id": customer_id, "tenant": tenant}
    await client.runs.wait(thread["thread_id"], "support", input=ask(text), context=context)
    assert (await client.threads.get(thread["thread_id"]))["status"] == "interrupted"
    inbox = (await http.get("/inbox")).json()["items"]
    item = next(i for i in inbox if i["thread_id"] == thread["thread_id"])
    return thread["thread_id"], item


async def test_escalation_reply_resumes_thread(live_server: ServerProcess) -> None:
    customer_id = f"flow-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        created = await http.post(
            "/customers", json={"id": customer_id, "name": "Priya Flow", "tier": "premium", "language": "en"}
        )
        assert created.status_code == 201
        thread_id, item = await start_escalated_thread(
            live_server, http, customer_id, "I was charged twice. I want to talk to a human agent right now."
        )
        # The person sees who, why and what, and the ticket it is filed under.
        assert item["status"] == "waiting" and item["customer_name"] == "Priya Flow" and item["tier"] == "premium"
        assert item["ticket_id"].startswith("T-") and item["team"] and item["waiting_seconds"] >= 0
        assert "asked for a person" in item["summary"] and "charged twice" in item["summary"]
        handoff_id = item["id"]

        claimed = await http.post(f"/inbox/{handoff_id}/claim", json={"agent": "kim"})
        assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "kim"
        second = await http.post(f"/inbox/{handoff_id}/claim", json={"agent": "lee"})
        assert second.status_code == 409 and second.json()["details"]["claimed_by"] == "kim"
        intruder = await http.post(f"/inbox/{handoff_id}/reply", json={"agent": "lee", "text": "hi"})
        assert intruder.status_code == 409

        words = "Hi Priya, I'm Kim. I've refunded the duplicate charge; you'll see it in 3-5 days."
        replied = await http.post(f"/inbox/{handoff_id}/reply", json={"agent": "kim", "text": words})
        assert replied.status_code == 200, replied.text
        body = replied.json()
        assert body["resumed"] is True and body["handoff"]["status"] == "answered"
        assert body["last_message"]["content"] == words

        # Persisted in the thread: the customer sees the person's words as the agent's message.
        state = await get_client(url=live_server.url, headers=live_server.headers).threads.get_state(thread_id)
        messages = state["values"]["messages"]
        assert messages[-1]["type"] == "ai" and messages[-1]["content"] == words and messages[-1]["name"] == "kim"
        assert messages[0]["type"] == "human"  # the whole context is still there

        colleague = await http.post(f"/inbox/{handoff_id}/close", json={"agent": "lee", "resolution": "done"})
        assert colleague.status_code == 409 and colleague.json()["details"]["claimed_by"] == "kim"
        history = (await http.get(f"/tickets/{item['ticket_id']}/events")).json()["events"]
        assert [e["body"] for e in history if e["kind"] == "agent_reply"] == [words]

        closed = await http.post(f"/inbox/{handoff_id}/close", json={"agent": "kim", "resolution": "refund issued"})
        assert closed.status_code == 200 and closed.json()["handoff"]["status"] == "closed"
        ticket = (await http.get(f"/tickets/{item['ticket_id']}")).json()
        assert ticket["status"] == "resolved" and ticket["resolution"] == "refund issued"
        assert all(i["id"] != handoff_id for i in (await http.get("/inbox")).json()["items"])


async def test_handback_returns_the_thread_to_the_bot(live_server: ServerProcess) -> None:
    customer_id = f"flow-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        thread_id, item = await start_escalated_thread(
            live_server, http, customer_id, "Please let me speak with a real person."
        )
        back = await http.post(f"/inbox/{item['id']}/handback", json={"agent": "kim", "text": ""})
        assert back.status_code == 200 and back.json()["handoff"]["status"] == "handed_back"
        client = get_client(url=live_server.url, headers=live_server.headers)
        assert (await client.threads.get(thread_id))["status"] == "idle"
        answer = await client.runs.wait(
            thread_id, "support", input=ask("How do I reset my password?"), context={"customer_id": customer_id}
        )
        assert isinstance(answer, dict) and answer["messages"][-1]["type"] == "ai"
        assert (await client.threads.get(thread_id))["status"] == "idle"
        late = await http.post(f"/inbox/{item['id']}/reply", json={"agent": "kim", "text": "hello?"})
        assert late.status_code == 409 and late.json()["details"]["allowed_actions"] == []


async def test_inbox_is_per_tenant_and_reply_reaches_the_tenants_thread(live_server: ServerProcess) -> None:
    tenant = f"acme{uuid.uuid4().hex[:6]}"
    customer_id = f"flow-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(
        base_url=live_server.url, timeout=120, headers=live_server.key_headers(tenant=tenant)
    ) as http:
        thread_id, item = await start_escalated_thread(
            live_server, http, customer_id, "I need a human being to help me, please.", tenant=tenant
        )
        default_inbox = (await http.get("/inbox", headers=live_server.headers)).json()["items"]
        assert all(i["thread_id"] != thread_id for i in default_inbox)
        wrong_tenant = await http.post(
            f"/inbox/{item['id']}/claim", json={"agent": "kim"}, headers=live_server.key_headers(tenant="x")
        )
        assert wrong_tenant.status_code == 404
        replied = await http.post(f"/inbox/{item['id']}/reply", json={"agent": "sam", "text": "Sam here, on it."})
        assert replied.status_code == 200, replied.text
        state = await get_client(url=live_server.url, headers=live_server.key_headers(tenant=tenant)).threads.get_state(
            thread_id
        )
        assert state["values"]["messages"][-1]["content"] == "Sam here, on it."
        # The tenant is the key's: a header cannot name another one.
        own = (await http.get("/inbox", params={"status": "answered"})).json()["items"]
        spoofed = (await http.get("/inbox", params={"status": "answered"}, headers={"X-Tenant": "default"})).json()
        assert [i["id"] for i in spoofed["items"]] == [i["id"] for i in own]
        assert any(i["thread_id"] == thread_id for i in own)


async def test_inbox_bad_requests(live_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30, headers=live_server.headers) as http:
        missing = await http.post("/inbox/987654/claim", json={"agent": "kim"})
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        assert (await http.get("/inbox/987654")).status_code == 404
        assert (await http.post("/inbox/1/claim", json={})).status_code == 422
        assert (await http.post("/inbox/1/reply", json={"agent": "kim", "text": ""})).status_code == 422
        assert (await http.get("/inbox", params={"status": "sleeping"})).status_code == 422
