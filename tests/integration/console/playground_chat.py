"""What console tests do in the playground: open a chat as a customer, and say something."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def start_chat(page: Page, customer_id: str) -> None:
    """Open the playground as ``customer_id``."""
    page.goto("/console/playground")
    page.get_by_label("Customer").fill(customer_id)
    page.get_by_role("button", name="Start conversation").click()
    expect(page.get_by_role("status").filter(has_text="Connected as")).to_be_visible()


def say(page: Page, words: str) -> None:
    """Send one customer message and wait until the run has finished."""
    page.get_by_label("Message").fill(words)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chat-status")).to_have_text("Connected.")
