"""Export and erase through the real server: after erasure no row or blob anywhere mentions the customer."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client
from psycopg import sql

from server.launcher import ServerProcess
from tests.integration.support.background import settled
from tests.waiting import wait_until_steady

pytestmark = pytest.mark.integration


def mentions(url: str, needles: list[str]) -> list[str]:
    """Every (table, needle) where a row's text or a decoded bytea column contains a needle (case-insensitive)."""
    found: list[str] = []
    lowered = [n.lower() for n in needles]
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            name = sql.Identifier(schema, table)
            for (text,) in conn.execute(sql.SQL("SELECT t::text FROM {} AS t").format(name)):
                found += [f"{table}: {n}" for n in lowered if n in text.lower()]
            blobs = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
                " AND data_type = 'bytea'",
                (schema, table),
            ).fetchall()
            for (column,) in blobs:
                query = sql.SQL("SELECT {} FROM {}").format(sql.Identifier(column), name)
                for (blob,) in conn.execute(query):
                    decoded = bytes(blob or b"").decode("utf-8", errors="ignore").lower()
                    found += [f"{table}.{column} (bytea): {n}" for n in lowered if n in decoded]
    return found


async def converse(server: ServerProcess, customer_id: str, texts: list[str]) -> str:
    client = get_client(url=server.url, headers=server.headers)
    thread = await client.threads.create(metadata={"customer_id": customer_id})
    for text in texts:
        await client.runs.wait(
            thread["thread_id"],
            "support",
            input={"messages": [{"role": "user", "content": text}]},
            context={"customer_id": customer_id},
        )
    return str(thread["thread_id"])


async def settled_memories(url: str, customer_id: str) -> int:
    """How many memories the customer has once the background writer has stopped changing them."""

    def memories() -> tuple[int, object]:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*), max(updated_at) FROM store WHERE prefix LIKE %s",
                (f"customers.default.{customer_id}.%",),
            ).fetchone()
        assert row is not None
        return int(row[0]), row[1]

    count, _ = await wait_until_steady(
        memories, what=f"the memories of {customer_id} exist and stop changing", accept=lambda read: read[0] > 0
    )
    return count


async def test_export_then_erase_leaves_nothing(live_server: ServerProcess) -> None:
    tag = uuid.uuid4().hex[:10]
    cid, name, email = f"erase-{tag}", f"Zebulon Quartz{tag}", f"zeb.{tag}@example.net"
    keeper = f"keep-{tag}"
    client = get_client(url=live_server.url, headers=live_server.headers)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        assert (await http.post("/customers", json={"id": cid, "name": name, "email": email})).status_code == 201
        assert (await http.post("/customers", json={"id": keeper, "name": "Keeper"})).status_code == 201
        chat = await converse(
            live_server,
            cid,
            [
                f"Hi, I'm {name}, my email is {email}. I'm on the Pro plan and use Nimbus Notes on my iPad.",
                "Please keep answers short. How do I export my notes?",
            ],
        )
        escalated = await converse(live_server, cid, ["I want to talk to a human agent now please."])
        kept_thread = await converse(live_server, keeper, ["How do I reset my password?"])
        ticket = (
            await http.post("/tickets", json={"customer_id": cid, "subject": f"Account of {name}", "thread_id": chat})
        ).json()
        assert (await http.post(f"/conversations/{chat}/end", json={"rating": 4, "comment": name})).status_code == 200
        assert await settled_memories(live_server.database_url, cid) >= 1

        exported = await http.get(f"/customers/{cid}/export")
        assert exported.status_code == 200, exported.text
        data = exported.json()
        assert data["profile"]["email"] == email
        assert {t["id"] for t in data["tickets"]} >= {ticket["id"]} and len(data["tickets"]) >= 2  # + escalation
        threads = {t["thread_id"]: t for t in data["threads"]}
        assert {chat, escalated} <= set(threads) and kept_thread not in threads
        assert any("Nimbus Notes on my iPad" in str(m["content"]) for m in threads[chat]["messages"])
        assert threads[chat]["metadata"]["customer_id"] == cid and threads[chat]["runs"]
        assert data["memories"] and all(m["prefix"].startswith(f"customers.default.{cid}") for m in data["memories"])
        assert {e["thread_id"] for e in data["conversation_events"]} == {chat, escalated}
        assert data["conversation_outcomes"][0]["rating"] == 4 and data["handoffs"]

        before = mentions(live_server.database_url, [cid, name, email])
        # The scan sees the customer in our tables and inside the checkpoint blobs before erasure.
        assert any(hit.startswith("customers") for hit in before)
        assert any(hit.startswith("checkpoint") for hit in before), before

        erased = await http.delete(f"/customers/{cid}")
        assert erased.status_code == 200, erased.text
        assert erased.json()["deleted"]["checkpoints"] > 0 and erased.json()["deleted"]["store"] >= 1
        await settled(live_server.database_url)  # a late background write would have landed by now

        assert mentions(live_server.database_url, [cid, name, email]) == []
        assert (await http.get(f"/customers/{cid}")).status_code == 404
        assert (await http.get(f"/customers/{cid}/export")).status_code == 404
        assert (await http.delete(f"/customers/{cid}")).status_code == 404
        with pytest.raises(httpx.HTTPStatusError):
            await client.threads.get(chat)

        # Everybody else is untouched.
        assert (await http.get(f"/customers/{keeper}")).status_code == 200
        state = await client.threads.get_state(kept_thread)
        assert state["values"]["messages"][0]["content"] == "How do I reset my password?"
        assert (await http.get("/customers/demo-ben/tickets")).json()["tickets"]
