"""'Also viewing' in Chromium: two colleagues signed in from two browsers open the same handoff and each sees the
other within the polling interval; when one leaves, their name disappears from the other's page."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from console.presence import SEEN_FOR_S
from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.console.conftest import sign_in_page
from tests.integration.console.seeded_pages import escalate

pytestmark = pytest.mark.integration
POLL_S = 2.0
"""handoff.html polls its live part every 2 s."""


def test_colleagues_see_each_other_and_a_leaver_disappears(
    live_server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    staff_member: Callable[[str], StaffAccount],
) -> None:
    thread_id = escalate(live_server, f"viewing-{uuid.uuid4().hex[:8]}", "Please let me talk to a human agent.")
    items = httpx.get(f"{live_server.url}/inbox", headers=live_server.headers, timeout=120).json()["items"]
    handoff_id = next(item["id"] for item in items if item["thread_id"] == thread_id)
    kim, lee = staff_member("agent"), staff_member("supervisor")
    kim_page, lee_page = new_context().new_page(), new_context().new_page()
    sign_in_page(kim_page, kim)
    sign_in_page(lee_page, lee)
    kim_page.goto(f"/console/inbox/{handoff_id}")
    expect(kim_page.locator(".presence")).not_to_contain_text("Also viewing")  # alone so far
    lee_page.goto(f"/console/inbox/{handoff_id}")

    # Each page learns of the other at its next poll (a page that just opened knows at once).
    within_poll = (POLL_S * 3 + 5) * 1000
    expect(lee_page.locator(".presence")).to_contain_text(f"Also viewing: {kim.email}", timeout=within_poll)
    expect(kim_page.locator(".presence")).to_contain_text(f"Also viewing: {lee.email}", timeout=within_poll)

    lee_page.goto("/console/inbox")  # lee leaves the handoff
    expect(kim_page.locator(".presence")).not_to_contain_text(lee.email, timeout=(SEEN_FOR_S + POLL_S * 3 + 5) * 1000)
    expect(kim_page.locator(".presence")).not_to_contain_text("Also viewing")
