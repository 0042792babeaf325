"""Roles are enforced by the server: an agent's browser cannot take a supervisor's or an admin's action, even by
posting to it directly, and the pages do not offer it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from server.launcher import ServerProcess
from staff.accounts import StaffAccount

pytestmark = pytest.mark.integration


def test_an_agent_gets_403_for_admin_and_supervisor_actions(
    live_server: ServerProcess, signed_in: Callable[[str], tuple[Page, StaffAccount]]
) -> None:
    created = httpx.post(
        f"{live_server.url}/customers",
        json={"id": "roles-kept", "name": "Kept"},
        headers=live_server.headers,
        timeout=60,
    )
    assert created.status_code == 201, created.text
    page, _ = signed_in("agent")
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    headers = {"X-CSRF-Token": csrf}

    erase = page.request.post("/console/customers/roles-kept/erase", form={"confirm": "roles-kept"}, headers=headers)
    assert erase.status == 403 and "data.erase" in erase.text()
    export = page.request.get("/console/customers/roles-kept/export")
    assert export.status == 403
    edit = page.request.post("/console/kb/articles/any/delete", headers=headers)
    assert edit.status == 403 and "kb.edit" in edit.text()
    assign = page.request.post("/console/inbox/1/assign", form={"agent": "someone"}, headers=headers)
    assert assign.status == 403 and "inbox.assign" in assign.text()
    assert (
        httpx.get(f"{live_server.url}/customers/roles-kept", headers=live_server.headers, timeout=60).status_code == 200
    )

    # Without the session's CSRF token even a permitted write is refused.
    claim = page.request.post("/console/inbox/1/claim")
    assert claim.status == 403

    page.goto("/console/customers/roles-kept")
    expect(page.get_by_role("heading", name="Kept")).to_be_visible()
    expect(page.get_by_role("button", name="Erase customer")).to_have_count(0)
    expect(page.get_by_role("link", name="Export all data (JSON)")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Console")).not_to_contain_text("Audit")
