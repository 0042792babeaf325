"""Staff sign-in through the real server: cookie flags, /auth/me, CSRF, sign-out, lockout and roles."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest

from server.launcher import ServerProcess
from staff.accounts import StaffAccount
from tests.integration.staff.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.integration

StaffFactory = Callable[..., StaffAccount]


def test_sign_in_sets_a_strict_http_only_cookie_and_me_answers(
    live_server: ServerProcess, staff_factory: StaffFactory
) -> None:
    account = staff_factory(role="supervisor")
    assert account.email == account.email.lower()
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        response = http.post(
            "/auth/login", json={"tenant": "default", "email": account.email.upper(), "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["staff"]["id"] == account.id and body["staff"]["role"] == "supervisor"
        assert len(body["csrf_token"]) >= 32 and "password" not in str(body)
        (cookie,) = response.headers.get_list("set-cookie")
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert cookie.startswith("sa_session=") and {"httponly", "path", "max-age"} <= flags
        assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()
        assert "secure" not in flags  # plain http to 127.0.0.1 only
        assert body["csrf_token"] not in cookie

        me = http.get("/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["identity"] | {"display_name": None} == {
            "tenant": "default",
            "role": "supervisor",
            "proof": "staff_session",
            "subject": account.id,
            "customer_id": None,
            "display_name": None,
        }
        assert me.json()["csrf_token"] == body["csrf_token"] and me.json()["staff"]["email"] == account.email

    with httpx.Client(base_url=live_server.url, timeout=60) as form:
        signed = form.post("/auth/login", data={"tenant": "default", "email": account.email, "password": PASSWORD})
        assert signed.status_code == 200 and signed.json()["csrf_token"] != body["csrf_token"]
        assert form.get("/auth/me").json()["identity"]["subject"] == account.id


def test_refusals_look_alike_and_bad_bodies_name_the_field(
    live_server: ServerProcess, staff_factory: StaffFactory
) -> None:
    account = staff_factory(role="agent")
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        wrong = http.post("/auth/login", json={"tenant": "default", "email": account.email, "password": "nope"})
        unknown = http.post("/auth/login", json={"tenant": "default", "email": "ghost@x.test", "password": "nope"})
        other_tenant = http.post("/auth/login", json={"tenant": "else", "email": account.email, "password": PASSWORD})
        assert wrong.status_code == unknown.status_code == other_tenant.status_code == 401
        assert wrong.json() == unknown.json() == other_tenant.json()
        assert "set-cookie" not in wrong.headers
        missing = http.post("/auth/login", json={"tenant": "default", "email": account.email})
        assert missing.status_code == 422 and "password" in missing.json()["message"]
        bad_tenant = http.post("/auth/login", json={"tenant": "a.b", "email": account.email, "password": "x"})
        assert bad_tenant.status_code == 422 and "tenant" in bad_tenant.json()["message"]
        assert "x" not in str(bad_tenant.json()["details"])  # values are never echoed
        garbage = http.post("/auth/login", content=b"{not json", headers={"content-type": "application/json"})
        assert garbage.status_code == 422
        assert http.get("/auth/me").status_code == 401


def test_cookie_writes_need_the_csrf_token(live_server: ServerProcess, staff_factory: StaffFactory) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers) as admin:
        ticket = admin.post("/tickets", json={"customer_id": "demo-ana", "subject": "CSRF check"}).json()
    agent, csrf = sign_in(live_server, staff_factory(role="agent"))
    with agent:
        refused = agent.patch(f"/tickets/{ticket['id']}", json={"priority": "high"})
        assert refused.status_code == 403, refused.text
        assert "X-CSRF-Token" in refused.json()["message"]
        wrong = agent.patch(f"/tickets/{ticket['id']}", json={"priority": "high"}, headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        assert agent.get(f"/tickets/{ticket['id']}").json()["priority"] == "normal"  # nothing changed
        accepted = agent.patch(f"/tickets/{ticket['id']}", json={"priority": "high"}, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["priority"] == "high"
        # The LangGraph API applies the same rule to the same cookie (Aegra answers every auth failure with 401).
        refused_by_aegra = agent.post("/threads/search", json={})
        assert refused_by_aegra.status_code == 401 and "X-CSRF-Token" in refused_by_aegra.json()["message"]
        assert agent.post("/threads/search", json={}, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_sign_out_ends_the_session(live_server: ServerProcess, staff_factory: StaffFactory) -> None:
    client, csrf = sign_in(live_server, staff_factory(role="agent"))
    with client:
        stolen = client.cookies.get("sa_session")
        assert client.post("/auth/logout").status_code == 403  # sign-out is a write too
        out = client.post("/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 200 and out.json() == {"signed_out": True}
        assert 'sa_session=""' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
        replay = httpx.get(f"{live_server.url}/auth/me", cookies={"sa_session": stolen or ""})
        assert replay.status_code == 401
        assert httpx.get(f"{live_server.url}/tickets", cookies={"sa_session": stolen or ""}).status_code == 401


def test_five_wrong_passwords_lock_the_account(live_server: ServerProcess, staff_factory: StaffFactory) -> None:
    account = staff_factory(role="agent")
    attempt = {"tenant": "default", "email": account.email}
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        refused = [http.post("/auth/login", json=attempt | {"password": f"guess-{n}"}) for n in range(5)]
        assert [r.status_code for r in refused] == [401] * 5
        locked = http.post("/auth/login", json=attempt | {"password": PASSWORD})
        assert locked.status_code == 401 and locked.json() == refused[0].json()  # no hint that it is locked
    with psycopg.connect(live_server.database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT locked_until > now() + interval '14 minutes' FROM staff_accounts WHERE id = %s", (account.id,)
        ).fetchone()
        assert row == (True,)
        reasons = conn.execute(
            "SELECT details->>'reason' FROM audit_log WHERE action = 'auth.login_failed' AND details->>'email' = %s"
            " ORDER BY id",
            (account.email,),
        ).fetchall()
        assert [r[0] for r in reasons] == ["wrong_password"] * 5 + ["locked"]
        assert all(PASSWORD not in str(r) and "guess" not in str(r) for r in conn.execute("SELECT * FROM audit_log"))
        conn.execute(
            "UPDATE staff_accounts SET locked_until = now() - interval '1 second' WHERE id = %s", (account.id,)
        )
    client, _ = sign_in(live_server, account)  # the lock has run out: the right password works again
    client.close()


def test_roles_are_enforced_for_sessions(live_server: ServerProcess, staff_factory: StaffFactory) -> None:
    customer = f"role-check-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers) as admin:
        assert admin.post("/customers", json={"id": customer, "name": "Role Check"}).status_code == 201
    agent, agent_csrf = sign_in(live_server, staff_factory(role="agent"))
    supervisor, _ = sign_in(live_server, staff_factory(role="supervisor"))
    with agent, supervisor:
        erase = agent.delete(f"/customers/{customer}", headers={"X-CSRF-Token": agent_csrf})
        assert erase.status_code == 403 and "data.erase" in erase.json()["message"]
        assert agent.get(f"/customers/{customer}/export").status_code == 403
        assert agent.get("/audit").status_code == 403
        exported = supervisor.get(f"/customers/{customer}/export")
        assert exported.status_code == 200 and exported.json()["profile"]["name"] == "Role Check"
        assert supervisor.get("/audit").status_code == 403
    with httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers) as admin:
        assert admin.get(f"/customers/{customer}").status_code == 200  # the agent's erase did nothing
