"""Console writes without a browser: a supervisor assigns a handoff, and bad input gets a 4xx naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.console.seeded_pages import escalate
from tests.integration.staff.conftest import sign_in

pytestmark = pytest.mark.integration


def test_a_supervisor_assigns_a_handoff_to_a_colleague(
    live_server: ServerProcess, staff_member: Callable[[str], StaffAccount]
) -> None:
    thread_id = escalate(live_server, f"assign-{uuid.uuid4().hex[:8]}", "Please put me through to a human agent.")
    items = httpx.get(f"{live_server.url}/inbox", headers=live_server.headers, timeout=60).json()["items"]
    handoff = next(item for item in items if item["thread_id"] == thread_id)
    colleague = staff_member("agent")
    client, csrf = sign_in(live_server, staff_member("supervisor"))
    with client:
        page = client.get(f"/console/inbox/{handoff['id']}")
        assert page.status_code == 200 and colleague.email in page.text  # offered in the assign list
        assigned = client.post(
            f"/console/inbox/{handoff['id']}/assign", data={"agent": colleague.email}, headers={"X-CSRF-Token": csrf}
        )
        assert assigned.status_code == 204 and assigned.headers["hx-refresh"] == "true"
    after = httpx.get(f"{live_server.url}/inbox/{handoff['id']}", headers=live_server.headers, timeout=60).json()
    assert after["status"] == "claimed" and after["claimed_by"] == colleague.email


def test_bad_input_is_a_4xx_that_names_the_field(
    live_server: ServerProcess, staff_member: Callable[[str], StaffAccount]
) -> None:
    client, csrf = sign_in(live_server, staff_member("admin"))
    write = {"X-CSRF-Token": csrf}
    with client:
        empty_reply = client.post("/console/inbox/1/reply", data={"text": ""}, headers=write)
        assert empty_reply.status_code == 422 and "text" in empty_reply.text
        not_a_number = client.get("/console/inbox/abc")
        assert not_a_number.status_code == 422 and "handoff_id" in not_a_number.text
        bad_date = client.get("/console/conversations", params={"since": "yesterday"})
        assert bad_date.status_code == 422 and "since" in bad_date.text
        bad_customer = client.post("/console/playground/token", data={"customer_id": "no spaces"}, headers=write)
        assert bad_customer.status_code == 422 and bad_customer.json()["details"]["field"] == "customer_id"
        good = client.post("/console/playground/token", data={"customer_id": "demo-ana"}, headers=write)
        assert good.status_code == 200 and good.json()["customer_id"] == "demo-ana"
        blank_article = client.post("/console/kb/articles/x", data={"title": " ", "body": "text"}, headers=write)
        assert blank_article.status_code == 422 and "title" in blank_article.text
        missing = client.get("/console/customers/nobody-here")
        assert missing.status_code == 404 and "customer nobody-here" in missing.text
        blank_note = client.post("/console/inbox/1/note", data={"text": "  "}, headers=write)
        assert blank_note.status_code == 422 and "text" in blank_note.text
