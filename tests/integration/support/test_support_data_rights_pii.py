"""Raw personal data sent through every write path is stored nowhere: no table, no checkpoint blob, no log line.

The paths: a customer's message, a state update through the LangGraph API, the handoff note (which must not
copy the profile's email), the staff inbox (reply and close), tickets (description, comment, resolution), the
end-of-conversation comment and a store item.
"""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.integration.support.table_scan import scan
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

EMAIL_PREFIX = "raw.pii"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
# Each value as it may be written or stored: spaced, compact, lower-cased (the scan lower-cases rows).
FORMS = ["7946 0958", "79460958", CARD, CARD.replace(" ", ""), IBAN.lower(), IBAN.replace(" ", "").lower()]


async def _wait_for(condition_url: str, query: str, params: tuple[object, ...], deadline_s: float = 120.0) -> None:
    """Wait until ``query`` returns a row, or fail after ``deadline_s``."""

    def found() -> bool:
        with psycopg.connect(condition_url) as conn:
            return conn.execute(query, params).fetchone() is not None  # type: ignore[arg-type]

    await wait_until(found, timeout_s=deadline_s, poll_s=0.25, what=f"a row matches {query!r} {params!r}")


async def test_raw_pii_is_stored_nowhere_on_any_write_path(live_server: ServerProcess) -> None:
    tag = uuid.uuid4().hex[:8]
    cid, email, profile_email = f"pii-{tag}", f"{EMAIL_PREFIX}.{tag}@example.org", f"profile.{tag}@example.com"
    raw = f"email {email}, phone {PHONE}, card {CARD}, iban {IBAN}"
    admin, staff = live_server.headers, live_server.key_headers(scope="staff")
    customer = live_server.customer_headers(cid)
    async with (
        httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=admin) as http,
        httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=staff) as desk,
    ):
        created = await http.post("/customers", json={"id": cid, "name": "Pat Example", "email": profile_email})
        assert created.status_code == 201, created.text

        # A customer's message, escalated: the handoff note and transcript are written from it and the profile.
        own = get_client(url=live_server.url, headers=customer)
        escalated = str((await own.threads.create())["thread_id"])
        text = f"Please talk to a human agent now. My details: {raw}"
        result = await own.runs.wait(escalated, "support", input={"messages": [{"role": "user", "content": text}]})
        assert isinstance(result, dict) and result.get("escalation"), result
        await _wait_for(live_server.database_url, "SELECT 1 FROM handoffs WHERE thread_id = %s", (escalated,))

        # A state update through the LangGraph API (admin), on a thread with one turn.
        client = get_client(url=live_server.url, headers=admin)
        other = str((await own.threads.create())["thread_id"])
        await own.runs.wait(other, "support", input={"messages": [{"role": "user", "content": "How do I reset it?"}]})
        await client.threads.update_state(
            other, {"messages": [{"type": "human", "content": f"note {raw}"}], "summary": f"summary {raw}"}
        )
        state = await client.threads.get_state(other)
        assert "<CREDIT_CARD>" in state["values"]["summary"] and "<IBAN_CODE>" in str(state["values"]["messages"])

        # The staff inbox: claim, reply to the customer (resumes the thread), close with a resolution.
        items = (await desk.get("/inbox")).json()["items"]
        handoff = next(item for item in items if item["thread_id"] == escalated)
        assert profile_email not in handoff["summary"] and "Customer said" in handoff["summary"]
        assert (await desk.post(f"/inbox/{handoff['id']}/claim", json={"agent": "desk-1"})).status_code == 200
        reply = await desk.post(f"/inbox/{handoff['id']}/reply", json={"agent": "desk-1", "text": f"Noted: {raw}"})
        assert reply.status_code == 200, reply.text
        closed = await desk.post(
            f"/inbox/{handoff['id']}/close", json={"agent": "desk-1", "resolution": f"refunded {raw}", "text": raw}
        )
        assert closed.status_code == 200, closed.text

        # Tickets, the conversation's end comment, and a store item.
        ticket = await http.post("/tickets", json={"customer_id": cid, "subject": f"Card {CARD}", "description": raw})
        assert ticket.status_code == 201, ticket.text
        changed = await desk.patch(
            f"/tickets/{ticket.json()['id']}", json={"comment": f"called {PHONE}", "resolution": f"iban {IBAN}"}
        )
        assert changed.status_code == 200, changed.text
        events = (await desk.get(f"/tickets/{ticket.json()['id']}/events")).json()
        assert "<PHONE_NUMBER>" in str(events)
        ended = await http.post(f"/conversations/{other}/end", json={"rating": 3, "comment": raw})
        assert ended.status_code == 200, ended.text
        await client.store.put_item(["customers", "default", cid, "notes"], "contact", {"text": raw})
        assert "<EMAIL_ADDRESS>" in str(await client.store.get_item(["customers", "default", cid, "notes"], "contact"))

    found = scan(live_server.database_url)
    for row in found.all():
        assert email not in row.text, row.table
        assert not [form for form in FORMS if form in row.text], (row.table, row.values)
        if profile_email in row.text:
            assert row.table == "customers", (row.table, row.values)  # the profile is the one place it belongs
    log = live_server.log_path.read_text(errors="replace").lower()
    assert email not in log and profile_email not in log
    assert not [form for form in FORMS if form in log]
