"""The inbox round trip in two browsers: a customer escalates in the playground, an agent claims, replies and closes
in the inbox, and the customer sees each step; then the bot answers the customer again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from staff.accounts import StaffAccount
from tests.integration.console.playground_chat import say, start_chat

pytestmark = pytest.mark.integration


def test_customer_escalates_agent_claims_replies_and_closes(
    signed_in: Callable[[str], tuple[Page, StaffAccount]],
) -> None:
    customer_id = f"console-{uuid.uuid4().hex[:8]}"
    customer, _ = signed_in("admin")
    start_chat(customer, customer_id)
    chat = customer.get_by_role("list", name="Chat")
    say(customer, "I was charged twice on my invoice. I want to talk to a human agent right now.")
    expect(chat.locator(".msg.customer")).to_have_count(1)
    expect(chat.locator(".msg.agent")).to_have_count(1)  # the bot says a person will take over

    agent, _ = signed_in("agent")
    row = agent.locator("tr", has=agent.get_by_role("link", name=customer_id))
    expect(row).to_contain_text("waiting")
    expect(row.locator(".clock")).to_have_text(re.compile(r"^\d+[smhd]"))
    row.get_by_role("link", name=customer_id).click()
    expect(agent.get_by_role("heading", name=customer_id)).to_be_visible()
    transcript = agent.get_by_role("list", name="Transcript")
    expect(transcript).to_contain_text("charged twice")
    expect(agent.locator(".signals")).to_contain_text("Intent")
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("[data-status]")).to_have_text("claimed")
    note = "Private: the payment provider shows two captures for this order."
    agent.get_by_label("Add a note").fill(note)
    agent.get_by_role("button", name="Add note").click()
    expect(agent.locator("#notes")).to_contain_text(note)
    expect(agent.get_by_label("Add a note")).to_have_value("")

    reply = "Hi, this is a person from billing. I have refunded the duplicate charge."
    agent.get_by_label("Reply to the customer").fill(reply)
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator("[data-status]")).to_have_text("answered")
    expect(transcript).to_contain_text(reply)
    expect(chat.locator(".msg.agent").last).to_contain_text(reply)  # the customer sees the person's words
    expect(chat.locator(".msg.agent").last).to_contain_text("(support)")  # a person, not the bot

    # The customer writes while the person has the conversation: the inbox page shows it without a reload.
    customer.get_by_label("Message").fill("Thank you, when will I see the money?")
    customer.get_by_role("button", name="Send").click()
    expect(transcript).to_contain_text("when will I see the money")

    farewell = "The refund will show within five working days. Closing this conversation now."
    agent.get_by_label("Resolution").fill("refund issued")
    agent.get_by_label("Last words to the customer").fill(farewell)
    agent.get_by_role("button", name="Close").click()
    expect(agent.locator("[data-status]")).to_have_text("closed")
    expect(chat.locator(".msg.agent").last).to_contain_text(farewell)
    expect(chat).not_to_contain_text("payment provider")  # private notes never reach the customer

    expect(customer.locator("#chat-status")).to_have_text("Connected.")
    answered = chat.locator(".msg").count()
    say(customer, "How do I reset my password?")
    expect(chat.locator(".msg")).to_have_count(answered + 2)
    last = chat.locator(".msg").last
    expect(last).to_have_class(re.compile(r"\bagent\b"))
    expect(last).to_contain_text("Support bot")
    expect(last).to_contain_text(re.compile(r"password", re.IGNORECASE))

    # The conversation is found by the customer's words, and reads the same in the conversations page.
    agent.goto("/console/conversations?text=charged+twice+on+my+invoice")
    found = agent.locator("tr", has_text=customer_id)
    expect(found).to_have_count(1)
    found.get_by_role("link").click()
    expect(agent.get_by_role("list", name="Transcript")).to_contain_text(reply)
    expect(agent.get_by_role("list", name="Transcript")).to_contain_text(farewell)
