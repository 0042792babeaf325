"""The conversations page finds a thread by any message's words: the customer's, the bot's answer and a person's
reply (through the real server: the graph writes the words, the console searches them); threads written before
the search kept every message get their words from the runs (the migration's backfill)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from support.schema import CONVERSATION_TEXT_BACKFILL
from tests.integration.staff.conftest import make_staff, sign_in
from tests.sdk_turns import ask, last_reply

pytestmark = pytest.mark.integration


async def test_search_finds_words_of_customer_bot_and_staff(live_server: ServerProcess) -> None:
    customer_id = f"search-{uuid.uuid4().hex[:8]}"
    customer = get_client(url=live_server.url, headers=live_server.customer_headers(customer_id))
    thread = await customer.threads.create()
    thread_id = thread["thread_id"]
    answer = last_reply(await customer.runs.wait(thread_id, "support", input=ask("How do I reset my password?")))
    await customer.runs.wait(thread_id, "support", input=ask("That did not work, I want to talk to a human agent."))
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.headers, timeout=120) as admin:
        items = (await admin.get("/inbox")).json()["items"]
        handoff = next(item for item in items if item["thread_id"] == thread_id)
        marker = f"Quillwort{uuid.uuid4().hex[:6]}"
        reply = {"agent": "searcher@example.test", "text": f"I reset it for you, reference {marker} applies."}
        replied = await admin.post(f"/inbox/{handoff['id']}/reply", json=reply)
        assert replied.status_code == 200, replied.text

    console, _ = sign_in(live_server, make_staff(live_server, role="agent"))

    def found(text: str, **more: Any) -> bool:
        page = console.get("/console/conversations", params={"text": text, **more})
        assert page.status_code == 200, page.text
        return thread_id in page.text

    assert found(marker)  # a person's reply, alone among every conversation
    assert found(f"reference {marker.lower()}")  # several words, any case
    assert found(answer[:40], customer=customer_id)  # the bot's answer
    assert found("reset my password", customer=customer_id)  # the customer's words, as before
    assert not found(f"{marker}x")  # words nobody said

    # A thread from before the words were kept: the migration's backfill finds them in the thread's runs.
    async with await psycopg.AsyncConnection.connect(live_server.database_url, autocommit=True) as conn:
        await conn.execute("DELETE FROM conversation_messages WHERE thread_id = %s", (thread_id,))
        assert not found(marker)
        await conn.execute(CONVERSATION_TEXT_BACKFILL.encode())
    assert found(marker)
    assert found(answer[:40], customer=customer_id)
    assert found("reset my password", customer=customer_id)
