"""The customers pages in a browser: memories with provenance corrected and forgotten, and an erase that needs the
customer's id typed exactly."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from langgraph_sdk import get_client
from playwright.sync_api import Page, expect

from graph.memory import memory_namespace
from server.launcher import ServerProcess, run_coroutine
from staff.accounts import StaffAccount

pytestmark = pytest.mark.integration


def make_customer(server: ServerProcess, name: str) -> str:
    customer_id = f"cust-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{server.url}/customers", json={"id": customer_id, "name": name}, headers=server.headers, timeout=60
    )
    assert created.status_code == 201, created.text
    source = {"thread_id": "t-console-1", "turn": 3, "message_id": "m-3", "at": "2026-12-01T10:00:00+00:00"}

    async def remember() -> None:
        client = get_client(url=server.url, headers=server.headers)
        namespace = list(memory_namespace("default", customer_id))
        await client.store.put_item(
            namespace, "preference:contact", {"kind": "preference", "text": "Prefers email", "source": source}
        )

    run_coroutine(remember)
    return customer_id


def test_memory_edit_and_delete_show_provenance(
    live_server: ServerProcess, signed_in: Callable[[str], tuple[Page, StaffAccount]]
) -> None:
    customer_id = make_customer(live_server, "Mina Memory")
    page, _ = signed_in("supervisor")
    page.goto("/console/customers?q=Mina+Memory")
    page.get_by_role("link", name="Mina Memory").click()
    row = page.locator("tr[data-memory='preference:contact']")
    expect(row).to_contain_text("Prefers email")
    expect(row.get_by_role("link", name="conversation")).to_have_attribute("href", "/console/conversations/t-console-1")
    expect(row).to_contain_text("turn 3")
    row.get_by_label("Corrected text").fill("Prefers phone calls after 5pm")
    row.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("edited by supervisor:")
    expect(row.locator("td").first).to_contain_text("Prefers phone calls after 5pm")
    row.get_by_role("button", name="Delete memory").click()
    expect(page.locator("table.memories")).to_contain_text("Nothing remembered.")
    memories = httpx.get(f"{live_server.url}/customers/{customer_id}/memories", headers=live_server.headers, timeout=60)
    assert memories.json()["memories"] == []
    expect(page.get_by_role("button", name="Erase customer")).to_have_count(0)  # a supervisor may not erase


def test_erase_needs_the_customer_id_typed_exactly(
    live_server: ServerProcess, signed_in: Callable[[str], tuple[Page, StaffAccount]]
) -> None:
    customer_id = make_customer(live_server, "Erin Erase")
    page, _ = signed_in("admin")
    page.goto(f"/console/customers/{customer_id}")
    confirm = page.get_by_label("Type the customer's id to confirm")
    confirm.fill(customer_id[:-1])
    page.get_by_role("button", name="Erase customer").click()
    expect(page.locator("#flash")).to_contain_text("type the customer's id")
    assert (
        httpx.get(f"{live_server.url}/customers/{customer_id}", headers=live_server.headers, timeout=60).status_code
        == 200
    )
    confirm.fill(customer_id)
    page.get_by_role("button", name="Erase customer").click()
    expect(page.get_by_role("status").filter(has_text="was erased")).to_contain_text(customer_id)
    gone = httpx.get(f"{live_server.url}/customers/{customer_id}", headers=live_server.headers, timeout=60)
    assert gone.status_code == 404
    page.goto(f"/console/customers/{customer_id}")
    expect(page.get_by_role("alert")).to_contain_text(f"customer {customer_id}")
