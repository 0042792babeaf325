"""axe-core (vendored, tests/integration/console/vendor) finds no serious or critical violation on any console page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.console.conftest import sign_in_page
from tests.integration.console.seeded_pages import pages_to_visit

pytestmark = pytest.mark.integration
AXE = Path(__file__).with_name("vendor") / "axe-4.14.1.min.js"
BLOCKING = {"serious", "critical"}


def test_no_serious_accessibility_violations_on_any_page(
    live_server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    staff_member: Callable[[str], StaffAccount],
) -> None:
    urls = {"signin": "/console/signin", **pages_to_visit(live_server)}
    page = new_context(bypass_csp=True).new_page()  # axe is injected as a script the page's policy would refuse
    found: dict[str, list[str]] = {}
    for name, url in urls.items():
        if name == "inbox":
            sign_in_page(page, staff_member("supervisor"))
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [v for v in result["violations"] if v["impact"] in BLOCKING]
        if serious:
            found[name] = [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes'][:3]]})" for v in serious]
    assert found == {}, found
