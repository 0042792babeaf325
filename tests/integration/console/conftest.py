"""Browser fixtures for the console: Debian's chromium driven by Playwright, against the session's real server."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.staff.conftest import PASSWORD, make_staff

CHROMIUM = Path("/usr/bin/chromium")
# Generous on two shared cores: a run of the real graph can take tens of seconds there.
expect.set_options(timeout=120_000)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium; a missing browser fails the test with what to do (never a silent skip)."""
    found = CHROMIUM if CHROMIUM.exists() else None
    if found is None and (which := shutil.which("chromium")):
        found = Path(which)
    if found is None:
        pytest.fail("chromium is not installed: run `make browser` (apt-get install chromium) or `make test`")
    return found


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's sync API for one module at a time.

    While it runs it holds an event loop running on the main thread, so every async test after it would fail
    with "asyncio.run() cannot be called from a running event loop"; scoped to the module, it stops before the
    next test file starts.
    """
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright, chromium_path: Path) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox"])
    yield launched
    launched.close()


@pytest.fixture
def new_context(browser: Browser, live_server: ServerProcess) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser profiles (one per person in the test), closed afterwards."""
    opened: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        settings: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, **options}
        context = browser.new_context(base_url=live_server.url, **settings)
        context.set_default_timeout(120_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def staff_member(live_server: ServerProcess) -> Callable[[str], StaffAccount]:
    """A new staff account of the given role on the live server."""
    return lambda role: make_staff(live_server, role=role)


def sign_in_page(page: Page, account: StaffAccount) -> None:
    """Sign in through the console's form, as a person would, and land on the inbox."""
    page.goto("/console")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


@pytest.fixture
def signed_in(
    new_context: Callable[..., BrowserContext], staff_member: Callable[[str], StaffAccount]
) -> Callable[[str], tuple[Page, StaffAccount]]:
    """A page signed in as a new staff member of ``role``."""

    def open_as(role: str) -> tuple[Page, StaffAccount]:
        account = staff_member(role)
        page = new_context().new_page()
        sign_in_page(page, account)
        return page, account

    return open_as
