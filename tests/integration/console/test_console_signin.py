"""Console sign-in in a real browser: the form, a wrong password, pages without a session, signing out."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.launcher import ServerProcess
from staff.accounts import StaffAccount

pytestmark = pytest.mark.integration


def test_pages_need_a_session_and_a_wrong_password_is_refused(
    live_server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    staff_member: Callable[[str], StaffAccount],
) -> None:
    account = staff_member("agent")
    page = new_context().new_page()
    page.goto("/console/inbox")
    expect(page).to_have_url(f"{live_server.url}/console/signin?next=/console/inbox")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("sign-in failed")
    expect(page.get_by_label("Email")).to_have_value(account.email)
    # Without a browser too: no page is served without a session, and keys are not staff sessions.
    bare = httpx.get(f"{live_server.url}/console/inbox", follow_redirects=False, timeout=60)
    assert bare.status_code == 303 and bare.headers["location"].startswith("/console/signin")
    keyed = httpx.get(f"{live_server.url}/console/inbox", headers=live_server.headers, timeout=60)
    assert keyed.status_code == 303


def test_sign_in_shows_the_inbox_then_sign_out_ends_the_session(
    signed_in: Callable[[str], tuple[Page, StaffAccount]],
) -> None:
    page, account = signed_in("supervisor")
    expect(page.get_by_role("navigation", name="Console")).to_contain_text("Knowledge base")
    expect(page.get_by_text(account.email)).to_be_visible()
    csp = page.request.get("/console/inbox").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/console/inbox")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
