"""The handoff page's keyboard shortcuts in Chromium: c claims, r focuses the reply, h hands back, x focuses the
close form, g goes to the inbox; none of them fires while the person types in a field. After a hand-back by
keyboard, the customer writes through langgraph-sdk and the bot answers again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from playwright.sync_api import Page, expect

from server.launcher import ServerProcess, run_coroutine
from staff.accounts import StaffAccount
from tests.integration.console.seeded_pages import escalate
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration


def _open_handoff(server: ServerProcess, page: Page, customer_id: str) -> tuple[str, int]:
    """Escalate a new conversation of ``customer_id`` and open its handoff in ``page``."""
    thread_id = escalate(server, customer_id, "I was charged twice. I want to talk to a human agent right now.")
    items = httpx.get(f"{server.url}/inbox", headers=server.headers, timeout=120).json()["items"]
    handoff_id = int(next(item["id"] for item in items if item["thread_id"] == thread_id))
    page.goto(f"/console/inbox/{handoff_id}")
    expect(page.locator("[data-status]")).to_have_text("waiting")
    return thread_id, handoff_id


def _status(server: ServerProcess, handoff_id: int) -> str:
    return str(httpx.get(f"{server.url}/inbox/{handoff_id}", headers=server.headers, timeout=120).json()["status"])


def _claimed(page: Page) -> None:
    """Wait for the reload after a claim: the 2 s poll may show the status before the page has the claimer's forms."""
    expect(page.locator("[data-status]")).to_have_text("claimed")
    expect(page.get_by_label("Reply to the customer")).to_be_visible()


def _leave_field(page: Page) -> None:
    """Click outside any field, as a person does before using a shortcut again."""
    page.get_by_role("heading", name="Actions").click()


def test_no_shortcut_fires_while_typing_then_c_claims_x_closes_and_g_goes_to_the_inbox(
    live_server: ServerProcess, signed_in: Callable[[str], tuple[Page, StaffAccount]]
) -> None:
    page, account = signed_in("agent")
    _, handoff_id = _open_handoff(live_server, page, f"keys-{uuid.uuid4().hex[:8]}")
    handoff_url = page.url

    note = page.get_by_label("Add a note")
    note.click()
    page.keyboard.type("check g, r, h and x")  # every shortcut letter, typed into a field
    expect(note).to_have_value("check g, r, h and x")
    assert page.url == handoff_url
    expect(page.locator("[data-status]")).to_have_text("waiting")
    assert _status(live_server, handoff_id) == "waiting"

    _leave_field(page)
    page.keyboard.press("c")
    _claimed(page)
    expect(page.locator(".thread-status")).to_contain_text(f"with {account.email}")
    assert _status(live_server, handoff_id) == "claimed"

    page.keyboard.press("x")
    resolution = page.get_by_label("Resolution")
    expect(resolution).to_be_focused()
    page.keyboard.type("duplicate charge refunded")
    page.keyboard.press("Enter")
    expect(page.locator("[data-status]")).to_have_text("closed")
    expect(page.get_by_label("Resolution")).to_have_count(0)  # reloaded: a closed handoff has no actions
    assert _status(live_server, handoff_id) == "closed"

    page.keyboard.press("g")
    expect(page).to_have_url(re.compile(r"/console/inbox$"))
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def test_keys_claim_reply_and_hand_back_then_the_bot_answers_again(
    live_server: ServerProcess, signed_in: Callable[[str], tuple[Page, StaffAccount]]
) -> None:
    customer_id = f"handback-{uuid.uuid4().hex[:8]}"
    page, _ = signed_in("agent")
    thread_id, handoff_id = _open_handoff(live_server, page, customer_id)

    page.keyboard.press("c")
    _claimed(page)
    page.keyboard.press("r")
    reply_box = page.get_by_label("Reply to the customer")
    expect(reply_box).to_be_focused()
    words = "Hi, I refunded the duplicate charge. The bot will help you with anything else."
    page.keyboard.type(words)  # contains c, h, x, g and r: typed, not taken as shortcuts
    page.keyboard.press("Control+Enter")
    expect(page.locator("[data-status]")).to_have_text("answered")
    expect(reply_box).to_have_value("")  # reloaded after the reply
    transcript = page.get_by_role("list", name="Transcript")
    expect(transcript).to_contain_text(words)

    _leave_field(page)
    page.keyboard.press("h")
    expect(page.locator("[data-status]")).to_have_text("handed_back")
    expect(page.get_by_label("Reply to the customer")).to_have_count(0)  # reloaded: the bot has it again
    assert _status(live_server, handoff_id) == "handed_back"

    async def customer_writes() -> dict[str, Any]:
        client = get_client(url=live_server.url, headers=live_server.customer_headers(customer_id))
        result = await client.runs.wait(thread_id, "support", input=ask("How do I reset my password?"))
        assert isinstance(result, dict)
        thread = await client.threads.get(thread_id)
        return {"result": result, "status": thread["status"]}

    after = run_coroutine(customer_writes)
    answer = after["result"]["messages"][-1]
    assert answer["type"] == "ai" and "agent" not in (answer.get("response_metadata") or {})  # the bot, not a person
    assert re.search("password", answer["content"], re.IGNORECASE), answer["content"]
    assert after["result"]["escalation"]["in_charge"] == "bot"
    assert after["status"] == "idle"  # not paused for a person: nobody has to act
    assert _status(live_server, handoff_id) == "handed_back"  # the bot's answer opened no new handoff
    page.reload()
    expect(page.locator("[data-status]")).to_have_text("handed_back")
    expect(page.get_by_role("list", name="Transcript")).to_contain_text("How do I reset my password?")
    page.goto("/console/inbox?status=handed_back")
    expect(page.locator("tr", has=page.get_by_role("link", name=customer_id))).to_contain_text("handed_back")
