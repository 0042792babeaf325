"""A whole escalated conversation through the real server: the invariants hold after every step.

escalate -> claim -> reply -> the customer writes -> reply -> the customer writes -> close -> the bot
answers again. After each step the thread's handoffs, the customer's tickets and the thread's own state
must agree (support/handoff_lifecycle.disagreements): one open handoff at most, one ticket for the issue,
the same team and person throughout, and the thread paused exactly while a person is in charge.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from server.launcher import ServerProcess
from support.handoff_lifecycle import disagreements

pytestmark = pytest.mark.integration

ALL_STATUSES = ["waiting", "claimed", "answered", "handed_back", "closed"]


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


class Conversation:
    """One customer's thread, seen from the customer's client and from the staff API."""

    def __init__(self, server: ServerProcess, staff: httpx.AsyncClient, customer_id: str) -> None:
        self.server = server
        self.staff = staff
        self.customer_id = customer_id
        self.customer: LangGraphClient = get_client(url=server.url, headers=server.customer_headers(customer_id))
        self.thread_id = ""

    async def start(self) -> None:
        self.thread_id = (await self.customer.threads.create())["thread_id"]

    async def says(self, text: str) -> list[dict[str, Any]]:
        """The customer writes; returns the messages this turn added."""
        before = len(await self.messages())
        await self.customer.runs.wait(self.thread_id, "support", input=ask(text))
        return (await self.messages())[before + 1 :]

    async def messages(self) -> list[dict[str, Any]]:
        state = await self.customer.threads.get_state(self.thread_id)
        return list(state["values"].get("messages") or [])

    async def handoffs(self) -> list[dict[str, Any]]:
        listed = await self.staff.get("/inbox", params={"status": ALL_STATUSES, "limit": 500})
        assert listed.status_code == 200, listed.text
        return [h for h in listed.json()["items"] if h["thread_id"] == self.thread_id]

    async def tickets(self) -> list[dict[str, Any]]:
        listed = await self.staff.get("/tickets", params={"customer_id": self.customer_id, "limit": 500})
        assert listed.status_code == 200, listed.text
        return list(listed.json()["tickets"])

    async def check(self, step: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        """Assert that handoffs, tickets and thread agree; returns them for the step's own asserts."""
        handoffs, tickets = await self.handoffs(), await self.tickets()
        thread = await self.customer.threads.get(self.thread_id)
        state = await self.customer.threads.get_state(self.thread_id)
        thread = {**thread, "values": state["values"]}
        problems = disagreements(handoffs, tickets, thread)
        assert not problems, f"after {step}: {problems}"
        return handoffs, tickets, thread

    async def act(self, handoff_id: int, action: str, **body: Any) -> dict[str, Any]:
        response = await self.staff.post(f"/inbox/{handoff_id}/{action}", json=body)
        assert response.status_code == 200, f"{action}: {response.status_code} {response.text}"
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def talk(live_server: ServerProcess) -> AsyncIterator[Conversation]:
    """A new customer's conversation, with a staff client for the inbox."""
    async with httpx.AsyncClient(
        base_url=live_server.url, timeout=180, headers=live_server.key_headers(scope="staff")
    ) as staff:
        conversation = Conversation(live_server, staff, f"life-{uuid.uuid4().hex[:8]}")
        await conversation.start()
        yield conversation


async def test_a_whole_escalation_keeps_one_handoff_one_ticket_and_one_person(talk: Conversation) -> None:

    notice = await talk.says("I was charged twice for March. I want to talk to a human agent.")
    handoffs, tickets, thread = await talk.check("escalation")
    assert [h["status"] for h in handoffs] == ["waiting"] and len(tickets) == 1
    first = handoffs[0]
    team, ticket_id = first["team"], first["ticket_id"]
    assert thread["values"]["escalation"]["in_charge"] == "person"
    assert notice and ticket_id in notice[-1]["content"] and f"{team} team" not in notice[-1]["content"].lower()

    await talk.act(first["id"], "claim", agent="kim")
    await talk.check("claim")

    reply = await talk.act(first["id"], "reply", agent="kim", text="Kim here: I'm refunding the duplicate now.")
    assert reply["resumed"] is True and reply["handoff"]["status"] == "answered"
    _, tickets, thread = await talk.check("reply")
    assert (await talk.messages())[-1]["name"] == "kim"

    # A follow-up about another team's topic joins the same handoff: same team, ticket and person.
    joined = await talk.says("Thanks. Also, I can't log in to my account since yesterday.")
    handoffs, tickets, _ = await talk.check("the customer's follow-up")
    assert len(handoffs) == 1 and len(tickets) == 1
    assert (handoffs[0]["status"], handoffs[0]["team"], handoffs[0]["claimed_by"]) == ("claimed", team, "kim")
    assert handoffs[0]["unread"] == 1 and "log in" in handoffs[0]["transcript_tail"][-1]["content"]
    assert joined and "kim" in joined[-1]["content"]  # the customer is told who has their message

    await talk.act(first["id"], "reply", agent="kim", text="Your login is fixed too; try again.")
    handoffs, _, _ = await talk.check("the second reply")
    assert handoffs[0]["unread"] == 0

    await talk.says("ok, trying now")
    await talk.check("the second follow-up")

    closed = await talk.act(
        first["id"], "close", agent="kim", resolution="refund issued", text="All done, closing this. Bye!"
    )
    assert closed["resumed"] is True
    handoffs, tickets, thread = await talk.check("close")
    assert [h["status"] for h in handoffs] == ["closed"] and tickets[0]["status"] == "resolved"
    assert thread["status"] == "idle" and thread["values"]["escalation"]["in_charge"] == "bot"
    assert (await talk.messages())[-1]["content"] == "All done, closing this. Bye!"

    # The bot has the conversation again: it answers from the KB, and no handoff or ticket is added.
    answer = await talk.says("How do I reset my password?")
    handoffs, tickets, _ = await talk.check("the bot's turn after close")
    assert len(handoffs) == 1 and len(tickets) == 1
    assert answer and answer[-1]["type"] == "ai" and answer[-1].get("name") != "support-bot"
    assert "password" in answer[-1]["content"].lower()


async def test_handback_with_a_note_then_the_bot_answers(talk: Conversation) -> None:
    await talk.says("Please let me speak with a real person.")
    handoffs, _, _ = await talk.check("escalation")
    await talk.act(handoffs[0]["id"], "reply", agent="sam", text="Sam here. What do you need?")
    await talk.says("How do I reset my password?")
    await talk.check("follow-up")
    back = await talk.act(handoffs[0]["id"], "handback", agent="sam", text="Our assistant will walk you through it.")
    assert back["resumed"] is True
    handoffs, tickets, thread = await talk.check("handback")
    assert handoffs[0]["status"] == "handed_back" and thread["status"] == "idle"
    added = await talk.messages()
    # The note reached the customer, and the bot then answered the question the person left open.
    notes = [m for m in added if m.get("name") == "sam"]
    assert notes[-1]["content"] == "Our assistant will walk you through it."
    assert added[-1].get("name") != "sam" and "password" in added[-1]["content"].lower()
    late = await talk.staff.post(f"/inbox/{handoffs[0]['id']}/reply", json={"agent": "sam", "text": "hello?"})
    assert late.status_code == 409 and late.json()["details"]["allowed_actions"] == []
