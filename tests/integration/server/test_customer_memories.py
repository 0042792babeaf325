"""Through the real server: staff list, correct and forget a customer's memories; nobody reaches another's."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from graph.memory import memory_namespace
from server.launcher import ServerProcess, run_coroutine
from tests.integration.staff.conftest import make_staff, sign_in

pytestmark = [pytest.mark.integration]


def _seed(server: ServerProcess, tenant: str, customer: str, items: dict[str, dict[str, Any]]) -> None:
    headers = server.headers if tenant == "default" else server.key_headers(tenant=tenant, scope="admin")

    async def put() -> None:
        client = get_client(url=server.url, headers=headers)
        for key, value in items.items():
            await client.store.put_item(list(memory_namespace(tenant, customer)), key, value)

    run_coroutine(put)


def _audit_actions(server: ServerProcess) -> list[str]:
    rows = httpx.get(f"{server.url}/audit", headers=server.headers, params={"limit": 50}, timeout=60).json()
    return [row["action"] for row in rows["items"]]


def test_staff_list_edit_delete_with_provenance_and_isolation(live_server: ServerProcess) -> None:
    customer, other = f"mem-{uuid.uuid4().hex[:8]}", f"mem-{uuid.uuid4().hex[:8]}"
    source = {"thread_id": "t-1", "turn": 2, "message_id": "m-2", "at": "2026-12-01T10:00:00+00:00"}
    _seed(
        live_server,
        "default",
        customer,
        {
            "plan:plan": {"kind": "plan", "text": "You're on the Pro plan.", "source": source},
            # written before provenance existed: still listed
            "product:nimbus": {"kind": "product", "text": "You use Nimbus.", "updated_at": "2026-11-01T00:00:00"},
        },
    )
    _seed(live_server, "default", other, {"plan:plan": {"kind": "plan", "text": "Other customer's plan."}})
    _seed(live_server, "acme", customer, {"plan:plan": {"kind": "plan", "text": "Acme tenant's plan."}})
    base = f"{live_server.url}/customers/{customer}/memories"
    supervisor = live_server.key_headers(scope="staff")

    listed = httpx.get(base, headers=supervisor, timeout=60)
    assert listed.status_code == 200, listed.text
    by_id = {m["id"]: m for m in listed.json()["memories"]}
    assert set(by_id) == {"plan:plan", "product:nimbus"}
    assert by_id["plan:plan"]["source"] == source
    assert by_id["product:nimbus"]["source"]["turn"] is None
    assert "Other customer's plan." not in listed.text and "Acme tenant's plan." not in listed.text

    # an agent reads but may not change
    agent_client, csrf = sign_in(live_server, make_staff(live_server, role="agent"))
    with agent_client:
        assert agent_client.get(f"/customers/{customer}/memories").status_code == 200
        denied = agent_client.patch(
            f"/customers/{customer}/memories/plan:plan", json={"text": "x"}, headers={"X-CSRF-Token": csrf}
        )
        assert denied.status_code == 403
    # a customer may not read or edit, not even their own
    own = live_server.customer_headers(customer)
    assert httpx.get(base, headers=own, timeout=60).status_code == 403
    assert httpx.delete(f"{base}/plan:plan", headers=own, timeout=60).status_code == 403

    # bad input is a 422 naming the field
    empty = httpx.patch(f"{base}/plan:plan", headers=supervisor, json={"text": ""}, timeout=60)
    assert empty.status_code == 422 and "text" in empty.text
    extra = httpx.patch(f"{base}/plan:plan", headers=supervisor, json={"text": "ok", "kind": "x"}, timeout=60)
    assert extra.status_code == 422 and "kind" in extra.text
    bad_id = httpx.patch(f"{base}/NOT%20AN%20ID", headers=supervisor, json={"text": "ok"}, timeout=60)
    assert bad_id.status_code == 422 and "memory_id" in bad_id.text

    edited = httpx.patch(f"{base}/plan:plan", headers=supervisor, json={"text": "You're on the Team plan."}, timeout=60)
    assert edited.status_code == 200, edited.text
    assert edited.json()["text"] == "You're on the Team plan."
    assert edited.json()["source"] == source and edited.json()["edited_by"].startswith("supervisor:")

    # another tenant's supervisor sees this customer id as its own (empty) customer and cannot touch ours
    acme = live_server.key_headers(tenant="acme", scope="staff")
    acme_list = httpx.get(base, headers=acme, timeout=60).json()["memories"]
    unknown = httpx.get(f"{live_server.url}/customers/nobody-{uuid.uuid4().hex[:6]}/memories", headers=acme, timeout=60)
    assert unknown.status_code == 404
    assert [m["text"] for m in acme_list] == ["Acme tenant's plan."]
    assert httpx.delete(f"{base}/product:nimbus", headers=acme, timeout=60).status_code == 404

    assert httpx.delete(f"{base}/product:nimbus", headers=supervisor, timeout=60).status_code == 204
    assert httpx.delete(f"{base}/product:nimbus", headers=supervisor, timeout=60).status_code == 404
    remaining = httpx.get(base, headers=supervisor, timeout=60).json()["memories"]
    assert [m["id"] for m in remaining] == ["plan:plan"]
    other_left = httpx.get(f"{live_server.url}/customers/{other}/memories", headers=supervisor, timeout=60).json()
    assert [m["text"] for m in other_left["memories"]] == ["Other customer's plan."]

    actions = _audit_actions(live_server)
    assert "memory.update" in actions and "memory.delete" in actions
