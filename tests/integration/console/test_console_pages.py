"""Every console page in a browser at desktop and phone width: it renders, breaks no content policy, does not
overflow sideways, and reads without JavaScript. With SCREENSHOTS_DIR set (``make screenshots``) it saves PNGs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.console.conftest import sign_in_page
from tests.integration.console.seeded_pages import pages_to_visit

pytestmark = pytest.mark.integration
# The innermost elements that stick out to the right, to name in a failure.
WIDE = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
  && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1)).slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def test_every_page_renders_at_both_widths_within_the_content_policy(
    live_server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    staff_member: Callable[[str], StaffAccount],
) -> None:
    shots = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None
    urls = pages_to_visit(live_server)
    account = staff_member("admin")
    for width_name, (width, height) in WIDTHS.items():
        page = new_context(viewport={"width": width, "height": height}).new_page()
        errors: list[str] = []
        page.on("console", lambda message, seen=errors: seen.append(message.text) if _is_error(message) else None)
        page.goto("/console/signin")
        if shots:
            page.screenshot(path=str(shots / f"signin-{width_name}.png"), full_page=True)
        sign_in_page(page, account)
        for name, url in urls.items():
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow}px wider than a {width}px screen: {page.evaluate(WIDE)}"
            if shots:
                page.screenshot(path=str(shots / f"{name}-{width_name}.png"), full_page=True)
        assert errors == [], f"console errors (content policy?) at {width_name}: {errors}"


def _is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"


def test_pages_read_without_javascript_and_tables_export_to_csv(
    new_context: Callable[..., BrowserContext], staff_member: Callable[[str], StaffAccount]
) -> None:
    account = staff_member("supervisor")
    page: Page = new_context(java_script_enabled=False).new_page()
    sign_in_page(page, account)
    page.goto("/console/customers")
    expect(page.get_by_role("table")).to_be_visible()
    page.goto("/console/analytics")
    expect(page.get_by_role("group", name="Conversations and escalations per day")).to_be_visible()
    page.get_by_role("link", name="CSV").first.click()  # no JavaScript: a plain download link
    csv = page.request.get("/console/analytics/volume.csv?days=7")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    header, *days = csv.text().strip().splitlines()
    assert header.startswith("day,conversations,escalated") and len(days) == 7
    bad = page.request.get("/console/analytics/nothing.csv")
    assert bad.status == 422
