"""The knowledge-base page in a browser: a search shows scores, and an edit changes the bot's next answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from staff.accounts import StaffAccount
from tests.integration.console.playground_chat import say, start_chat

pytestmark = pytest.mark.integration


def test_a_kb_edit_changes_the_bots_next_answer(signed_in: Callable[[str], tuple[Page, StaffAccount]]) -> None:
    editor, _ = signed_in("supervisor")
    editor.goto("/console/kb")
    editor.get_by_label("Search").fill("How do I reset my password?")
    editor.get_by_role("button", name="Search").click()
    hits = editor.locator("table.hits tbody tr")
    expect(hits.first.locator(".score")).to_have_text(re.compile(r"^0\.\d{3}$"))
    hits.first.get_by_role("link").click()
    marker = f"Lantern{uuid.uuid4().hex[:6]}"
    body = (
        f"To reset your password, open Settings, choose Security and press the {marker} button. "
        "The reset link arrives by email within two minutes and stays valid for one hour."
    )
    editor.get_by_label("Text (Markdown)").fill(body)
    editor.get_by_role("button", name="Save article").click()
    expect(editor.locator("#save-result")).to_contain_text("Saved: updated")

    start_chat(editor, f"kb-{uuid.uuid4().hex[:8]}")
    say(editor, "How do I reset my password?")
    expect(editor.get_by_role("list", name="Chat").locator(".msg.agent").last).to_contain_text(marker)
