"""The audit log through the real server: who claimed and who erased, from where; Postgres refuses changes."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx
import psycopg
import pytest

from server.launcher import ServerProcess
from tests.integration.staff.conftest import make_staff, sign_in
from tests.integration.support.test_support_handoff_flow import start_escalated_thread

pytestmark = pytest.mark.integration


async def test_claim_reply_and_erase_are_recorded_with_actor_and_ip(live_server: ServerProcess) -> None:
    customer = f"audit-{uuid.uuid4().hex[:8]}"
    agent, admin = make_staff(live_server, role="agent"), make_staff(live_server, role="admin")
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120, headers=live_server.headers) as http:
        assert (await http.post("/customers", json={"id": customer, "name": "Audit Me"})).status_code == 201
        _, item = await start_escalated_thread(live_server, http, customer, "I want to talk to a human agent now.")

    agent_client, agent_csrf = sign_in(live_server, agent)
    admin_client, admin_csrf = sign_in(live_server, admin)
    with agent_client, admin_client:
        claimed = agent_client.post(
            f"/inbox/{item['id']}/claim", json={"agent": "kim"}, headers={"X-CSRF-Token": agent_csrf}
        )
        assert claimed.status_code == 200, claimed.text
        # The reply resumes the thread through the LangGraph API with the same session cookie and CSRF token.
        replied = agent_client.post(
            f"/inbox/{item['id']}/reply", json={"agent": "kim", "text": "Sorted."}, headers={"X-CSRF-Token": agent_csrf}
        )
        assert replied.status_code == 200, replied.text
        assert replied.json()["resumed"] is True
        erased = admin_client.delete(f"/customers/{customer}", headers={"X-CSRF-Token": admin_csrf})
        assert erased.status_code == 200, erased.text

        by_agent = admin_client.get("/audit", params={"actor": agent.id}).json()["items"]
        assert [row["action"] for row in by_agent] == ["inbox.reply", "inbox.claim", "auth.login"]
        assert by_agent[0]["target_id"] == str(item["id"]) and by_agent[0]["details"]["agent"] == "kim"
        claim = by_agent[1]
        assert (claim["actor_role"], claim["actor_subject"], claim["client_ip"]) == ("agent", agent.id, "127.0.0.1")
        assert (claim["target_type"], claim["target_id"]) == ("handoff", str(item["id"]))
        assert claim["details"]["agent"] == "kim"

        by_admin = admin_client.get("/audit", params={"actor": f"admin:{admin.id}"}).json()["items"]
        assert [row["action"] for row in by_admin] == ["data.erase", "auth.login"]

        erasures = admin_client.get("/audit", params={"action": "data.erase", "customer": customer}).json()["items"]
        assert len(erasures) == 1
        erase = erasures[0]
        assert (erase["actor_role"], erase["actor_subject"], erase["client_ip"]) == ("admin", admin.id, "127.0.0.1")
        assert erase["target_type"] == "customer" and erase["target_id"].startswith("cust:")
        assert customer not in json.dumps(erase) and erase["details"]["deleted"]["customers"] == 1
        assert admin_client.get("/audit", params={"action": "data.erase", "customer": "someone-else"}).json() == {
            "items": [],
            "limit": 100,
            "offset": 0,
        }

        ndjson = admin_client.get("/audit/export", params={"actor": agent.id})
        assert ndjson.status_code == 200 and ndjson.headers["content-type"].startswith("application/x-ndjson")
        exported = [json.loads(line) for line in ndjson.text.splitlines()]
        assert [row["action"] for row in exported] == ["auth.login", "inbox.claim", "inbox.reply"]
        table = list(csv.DictReader(io.StringIO(admin_client.get("/audit/export?format=csv&action=data.erase").text)))
        assert erase["id"] in [int(row["id"]) for row in table]
        assert admin_client.get("/audit", params={"limit": 501}).status_code == 422
        assert admin_client.get("/audit", params={"since": "yesterday"}).status_code == 422
        assert agent_client.get("/audit").status_code == 403


def test_postgres_refuses_to_change_the_audit_log(live_server: ServerProcess) -> None:
    with psycopg.connect(live_server.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO audit_log (tenant, action) VALUES ('default', 'test.append')")
        (count,) = conn.execute("SELECT count(*) FROM audit_log").fetchone() or (0,)
        for statement in (
            "UPDATE audit_log SET action = 'rewritten' WHERE action = 'test.append'",
            "DELETE FROM audit_log WHERE action = 'test.append'",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (count,)
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'rewritten'").fetchone() == (0,)
