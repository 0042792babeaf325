"""Erasing one customer of one tenant removes exactly them: every other row of every table stays byte for byte.

Tenants ``default`` and ``acme2`` both know the customer id ``dup-*`` (and a customer's name); customer ``dup``
of ``default`` also wrote in customer V's thread, as old data from before thread ownership was enforced.
"""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.integration.support.background import settled
from tests.integration.support.table_scan import Scan, ScannedRow, blob_users, checkpoint_texts, scan

pytestmark = pytest.mark.integration


async def _run(server: ServerProcess, headers: dict[str, str], thread_id: str, customer: str, text: str) -> None:
    client = get_client(url=server.url, headers=headers)
    result = await client.runs.wait(
        thread_id,
        "support",
        input={"messages": [{"role": "user", "content": text}]},
        context={"customer_id": customer},
        raise_error=False,
    )
    assert isinstance(result, dict) and "__error__" not in result, result


async def _thread(server: ServerProcess, headers: dict[str, str], customer: str, texts: list[str]) -> str:
    client = get_client(url=server.url, headers=headers)
    thread_id = str((await client.threads.create(metadata={"customer_id": customer}))["thread_id"])
    for text in texts:
        await _run(server, headers, thread_id, customer, text)
    return thread_id


def _set_thread_customer(url: str, thread_id: str, customer: str | None) -> None:
    """Rewrite a thread's recorded customer directly, as data from before ownership was enforced looks."""
    with psycopg.connect(url, autocommit=True) as conn:
        if customer is None:
            conn.execute(
                "UPDATE thread SET metadata_json = metadata_json - 'customer_id' WHERE thread_id = %s", (thread_id,)
            )
        else:
            conn.execute(
                "UPDATE thread SET metadata_json = metadata_json || jsonb_build_object('customer_id', %s::text)"
                " WHERE thread_id = %s",
                (customer, thread_id),
            )


def _erased_rows(before: Scan, cid: str, own_threads: set[str], marks: list[str]) -> set[int]:
    """Rows (by id()) that belong to customer ``cid`` of tenant default: theirs by the spec of erasure."""
    mine: set[int] = set()

    def says(row: ScannedRow) -> bool:
        return any(m in row.text for m in marks)

    states = checkpoint_texts(before)
    their_checkpoints = {key for key, text in states.items() if key[0] in own_threads or any(m in text for m in marks)}
    users = blob_users(before)
    their_tickets = set()
    for row in before.all():
        v = row.values
        if row.table == "tickets" and v["tenant"] == "default" and v["customer_id"] == cid:
            their_tickets.add(v["id"])
    for row in before.all():
        v = row.values
        thread = v.get("thread_id")
        theirs = says(row) or thread in own_threads
        if {"tenant", "customer_id"} <= v.keys():
            theirs |= v["tenant"] == "default" and v["customer_id"] == cid
        if row.table == "customers":
            theirs |= v["id"] == cid and v["tenant"] == "default"
        if row.table == "ticket_events":
            theirs |= v["ticket_id"] in their_tickets
        if row.table in ("store", "store_vectors"):
            theirs |= str(v["prefix"]).startswith(f"customers.default.{cid}.")
        if row.table == "checkpoints":
            theirs |= (thread, v["checkpoint_ns"], v["checkpoint_id"]) in their_checkpoints
        if row.table == "checkpoint_writes":
            theirs |= (thread, v["checkpoint_ns"], v["checkpoint_id"]) in their_checkpoints
        if row.table == "checkpoint_blobs":
            refs = users.get((thread, v["checkpoint_ns"], v["channel"], v["version"]), [])
            theirs |= bool(refs) and all(ref in their_checkpoints for ref in refs)
        if theirs:
            mine.add(id(row))
    return mine


async def test_erase_removes_one_customer_of_one_tenant_and_nothing_else(live_server: ServerProcess) -> None:
    tag = uuid.uuid4().hex[:8]
    cid, victim = f"dup-{tag}", f"vic-{tag}"
    name, email = f"Zebulon Quartz{tag}", f"zeb.{tag}@example.net"
    marker = f"zqm{tag}"  # in every message the erased customer sends, so the scan can find them
    said = [
        f"Hi, I am {name} ({marker} one), my plan is Pro and I use Nimbus on an iPad.",
        f"Please talk to a human agent now ({marker} two)",
        f"How do I export my notes in the other thread ({marker} three)?",
    ]
    admin, service = live_server.headers, live_server.key_headers(scope="service")
    acme_admin = live_server.key_headers(tenant="acme2", scope="admin")
    acme_service = live_server.key_headers(tenant="acme2", scope="service")
    async with (
        httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=admin) as http,
        httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=acme_admin) as acme,
    ):
        for body in ({"id": cid, "name": name, "email": email}, {"id": victim, "name": "Violet Shared"}):
            assert (await http.post("/customers", json=body)).status_code == 201
        # Tenant acme2 has a customer with the same name, and conversations of a customer with the same id.
        twin = {"id": f"twin-{tag}", "name": name, "email": f"twin.{tag}@example.org"}
        assert (await acme.post("/customers", json=twin)).status_code == 201
        acme_thread = await _thread(live_server, acme_service, cid, [f"acme2 {cid} asks how to reset a password"])

        own = await _thread(live_server, service, cid, said[:2])
        # The erasure below must find a handoff; when the request for a person was not escalated, say why here
        # (once seen in a full-suite run, never alone) instead of as a missing table further down.
        own_state = await get_client(url=live_server.url, headers=admin).threads.get_state(own)
        facts = {k: v for k, v in own_state["values"].items() if k not in ("messages", "summary")}
        assert facts.get("escalation"), (own_state["next"], own_state["tasks"], facts, own_state["values"]["messages"])
        victims_own = await _thread(live_server, service, victim, ["How do I change my billing email?"])
        ticket = await http.post(
            "/tickets", json={"customer_id": cid, "subject": f"Export for {name}", "thread_id": own}
        )
        assert ticket.status_code == 201, ticket.text
        assert (await http.post(f"/conversations/{own}/end", json={"rating": 2, "comment": marker})).status_code == 200

        # The shared thread: V, then the erased customer (old data: no customer recorded then), then V again.
        client = get_client(url=live_server.url, headers=service)
        shared = str((await client.threads.create())["thread_id"])
        await _run(live_server, service, shared, victim, "My sync stopped working on the laptop.")
        _set_thread_customer(live_server.database_url, shared, None)
        await _run(live_server, service, shared, cid, said[2])
        _set_thread_customer(live_server.database_url, shared, victim)
        await _run(live_server, service, shared, victim, "Thanks, and how do I install it on the desktop?")
        await settled(live_server.database_url)

        before = scan(live_server.database_url)
        marks = [email.lower(), marker]
        erased = _erased_rows(before, cid, {own}, marks)
        tables_hit = {row.table for row in before.all() if id(row) in erased}
        assert {"customers", "thread", "runs", "checkpoints", "checkpoint_blobs", "store"} <= tables_hit
        assert {"conversation_events", "tickets", "handoffs", "conversation_outcomes"} <= tables_hit
        acme_rows = [r for r in before.all() if r.table == "conversation_events" and r.values["tenant"] == "acme2"]
        assert any(r.values["customer_id"] == cid for r in acme_rows)  # the same id lives in acme2

        response = await http.delete(f"/customers/{cid}")
        assert response.status_code == 200, response.text
        after = scan(live_server.database_url)

    # Every row that was not the erased customer's is still there, byte for byte.
    for table, rows in before.rows.items():
        kept = [row.digest for row in rows if id(row) not in erased]
        missing = set(kept) - set(after.digests(table))
        assert not missing, f"{table}: {len(missing)} rows of other customers changed or vanished"
    # Nothing of the erased customer is left: not their email or messages, and their id and name only in
    # rows of others (acme2's customer with the same id, acme2's customer with the same name) that did not change.
    untouched = {row.digest for row in before.all() if id(row) not in erased}
    for row in after.all():
        assert not any(m in row.text for m in [*marks, *(s.lower() for s in said)]), (row.table, row.values)
        if cid in row.text or name.lower() in row.text:
            assert row.digest in untouched, (row.table, row.values)

    # The shared thread stays for V, with a tombstone where the erased customer's turn was.
    state = await get_client(url=live_server.url, headers=admin).threads.get_state(shared)
    contents = [str(m["content"]) for m in state["values"]["messages"]]
    assert contents[0] == "My sync stopped working on the laptop."
    assert "Thanks, and how do I install it on the desktop?" in contents
    assert sum("erased" in c for c in contents) == 1 and not any(marker in c for c in contents)
    export = (
        await httpx.AsyncClient(base_url=live_server.url, headers=admin).get(f"/customers/{victim}/export")
    ).json()
    assert {shared, victims_own} <= {t["thread_id"] for t in export["threads"]}
    with pytest.raises(httpx.HTTPStatusError):
        await get_client(url=live_server.url, headers=admin).threads.get(own)
    acme_state = await get_client(url=live_server.url, headers=acme_service).threads.get_state(acme_thread)
    assert acme_state["values"]["messages"][0]["content"] == f"acme2 {cid} asks how to reset a password"

    # acme2's customer with that id (known by conversations only: customer ids are global, so no profile) is
    # erased on its own tenant's request, and then the id is unknown there too.
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=acme_admin) as acme:
        assert (await acme.delete(f"/customers/{cid}")).status_code == 200
        assert (await acme.delete(f"/customers/{cid}")).status_code == 404
    with pytest.raises(httpx.HTTPStatusError):
        await get_client(url=live_server.url, headers=acme_service).threads.get(acme_thread)
    with psycopg.connect(live_server.database_url) as conn:
        left = conn.execute("SELECT count(*) FROM conversation_events WHERE customer_id = %s", (cid,)).fetchone()
    assert left == (0,)
