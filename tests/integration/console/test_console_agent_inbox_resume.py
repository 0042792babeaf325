"""agent-inbox resumes a thread through the LangGraph API alone: our handoff row and ticket follow, and the console
inbox shows it; an action through our own inbox routes is still recorded once, not again by the graph."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from support.inbox_resume import record_direct_resume
from tests.integration.staff.conftest import make_staff, sign_in
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration


async def _escalate(server: ServerProcess, customer_id: str) -> tuple[str, dict[str, Any]]:
    customer = get_client(url=server.url, headers=server.customer_headers(customer_id))
    thread = await customer.threads.create()
    words = "I was charged twice on my invoice. I want to talk to a human agent right now."
    await customer.runs.wait(thread["thread_id"], "support", input=ask(words))  # type: ignore[arg-type]
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=120) as admin:
        items = (await admin.get("/inbox")).json()["items"]
    return thread["thread_id"], next(item for item in items if item["thread_id"] == thread["thread_id"])


def _handoff(server: ServerProcess, handoff_id: int) -> dict[str, Any]:
    row: dict[str, Any] = httpx.get(f"{server.url}/inbox/{handoff_id}", headers=server.headers, timeout=120).json()
    return row


async def _ticket_events(server: ServerProcess, ticket_id: str, kind: str) -> int:
    async with await psycopg.AsyncConnection.connect(server.database_url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM ticket_events WHERE ticket_id = %s AND kind = %s", (ticket_id, kind)
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _audited(server: ServerProcess, handoff_id: int) -> list[tuple[str, str | None, str | None, Any]]:
    """(action, actor role, actor subject, details) of the audit rows on the handoff, oldest first."""
    async with await psycopg.AsyncConnection.connect(server.database_url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT action, actor_role, actor_subject, details FROM audit_log"
            " WHERE target_type = 'handoff' AND target_id = %s ORDER BY id",
            (str(handoff_id),),
        )
        return [(str(row[0]), row[1], row[2], row[3]) for row in await cursor.fetchall()]


async def test_agent_inbox_resume_moves_our_handoff_once(live_server: ServerProcess) -> None:
    thread_id, waiting = await _escalate(live_server, f"inbox-direct-{uuid.uuid4().hex[:8]}")
    assert waiting["status"] == "waiting" and waiting["ticket_id"]
    handoff_id, ticket_id = int(waiting["id"]), str(waiting["ticket_id"])
    account = make_staff(live_server, role="agent")
    console, csrf = sign_in(live_server, account)
    cookie = "; ".join(f"{name}={value}" for name, value in console.cookies.items())
    # What agent-inbox does, with the person's own session: resume the thread through the LangGraph API.
    person = get_client(url=live_server.url, headers={"cookie": cookie, "x-csrf-token": csrf})
    words = "Hello, I'm from billing and I have refunded the duplicate charge."
    command: Any = {"resume": [{"type": "response", "args": words}]}
    result = await person.runs.wait(thread_id, "support", command=command)
    assert isinstance(result, dict) and result["messages"][-1]["content"] == words

    answered = _handoff(live_server, handoff_id)
    assert answered["status"] == "answered" and answered["claimed_by"] == account.email
    assert answered["answered_at"] is not None
    assert await _ticket_events(live_server, ticket_id, "agent_reply") == 1
    assert answered["ticket_status"] == "pending"
    queue = console.get("/console/inbox?status=answered")
    assert queue.status_code == 200 and waiting["customer_id"] in queue.text
    page = console.get(f"/console/inbox/{handoff_id}")
    assert "<strong data-status>answered</strong>" in page.text and f"with {account.email}" in page.text

    # The same step executed again (a retried run) is not recorded twice.
    async with await psycopg.AsyncConnection.connect(live_server.database_url, autocommit=True) as conn:
        key = await (await conn.execute("SELECT resumed_by FROM handoffs WHERE id = %s", (handoff_id,))).fetchone()
        assert key is not None and key[0]
        await record_direct_resume(
            tenant="default", handoff_id=handoff_id, action="reply", agent="x", text=words, resume_key=key[0], db=conn
        )
    assert await _ticket_events(live_server, ticket_id, "agent_reply") == 1
    # Audited once, as our inbox route audits a reply, with the person who resumed and the way they came.
    direct = {"agent": account.email, "thread_id": thread_id, "via": "langgraph_api"}
    assert await _audited(live_server, handoff_id) == [("inbox.reply", "agent", account.id, direct)]

    # Our own inbox route records its reply itself; the graph does not record it a second time.
    reply = console.post(
        f"/inbox/{handoff_id}/reply",
        json={"agent": account.email, "text": "Anything else?"},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status_code == 200, reply.text
    assert await _ticket_events(live_server, ticket_id, "agent_reply") == 2
    assert [row[0] for row in await _audited(live_server, handoff_id)] == ["inbox.reply", "inbox.reply"]

    await person.runs.wait(thread_id, "support", command={"resume": [{"type": "ignore", "args": None}]})
    back = _handoff(live_server, handoff_id)
    assert back["status"] == "handed_back" and back["closed_at"] is not None
    assert await _ticket_events(live_server, ticket_id, "handback") == 1
    assert (await _audited(live_server, handoff_id))[-1] == ("inbox.handback", "agent", account.id, direct)
    assert waiting["customer_id"] in console.get("/console/inbox?status=handed_back").text
    assert waiting["customer_id"] not in console.get("/console/inbox").text  # no longer waiting for anyone
