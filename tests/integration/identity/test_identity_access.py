"""Keys and tokens from the command line, what a credential lets through, and the safe defaults at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from identity.keys import create_key
from server.launcher import ROOT, ServerProcess, free_port, run_coroutine
from tests.conftest import create_database

pytestmark = pytest.mark.integration
CLI = str(Path(sys.executable).parent / "support-agent")


def _cli(database_url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def test_keys_from_the_cli_work_until_revoked(live_server: ServerProcess) -> None:
    created = _cli(live_server.database_url, "keys", "create", "--tenant", "default", "--scope", "service")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sak_")
    for header in ({"Authorization": f"Bearer {key}"}, {"X-Api-Key": key}):
        assert httpx.get(f"{live_server.url}/kb/search", params={"q": "password"}, headers=header).status_code == 200
    listed = _cli(live_server.database_url, "keys", "list", "--tenant", "default")
    assert key.split("_")[1] in listed.stdout and key not in listed.stdout  # ids, never secrets
    revoked = _cli(live_server.database_url, "keys", "revoke", key.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    denied = httpx.get(f"{live_server.url}/kb/search", params={"q": "x"}, headers={"X-Api-Key": key})
    assert denied.status_code == 401


def test_an_expired_key_is_refused(live_server: ServerProcess) -> None:
    async def expired() -> str:
        async with await psycopg.AsyncConnection.connect(live_server.database_url, autocommit=True) as conn:
            return (await create_key(conn, tenant="default", scope="admin", expires_in=timedelta(seconds=-1))).plaintext

    key = run_coroutine(expired)
    assert httpx.post(f"{live_server.url}/threads/search", json={}, headers={"X-Api-Key": key}).status_code == 401


def test_a_customer_token_speaks_only_for_its_customer(live_server: ServerProcess) -> None:
    issued = _cli(live_server.database_url, "token", "issue", "--customer", "tok-ana", "--ttl", "600")
    assert issued.returncode == 0, issued.stderr
    headers = {"Authorization": f"Bearer {issued.stdout.strip().splitlines()[-1]}"}
    ask = {"messages": [{"role": "user", "content": "What plan am I on?"}]}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=120) as http:
        thread = http.post("/threads", json={"metadata": {"customer_id": "tok-ben"}}).json()
        assert thread["metadata"]["customer_id"] == "tok-ana"  # the token's customer, whatever the body says
        as_ben = http.post(
            f"/threads/{thread['thread_id']}/runs/wait",
            json={"assistant_id": "support", "input": ask, "context": {"customer_id": "tok-ben"}},
        )
        assert as_ben.status_code == 403
        other_tenant = http.post(
            f"/threads/{thread['thread_id']}/runs/wait",
            json={"assistant_id": "support", "input": ask, "context": {"tenant": "acme"}},
        )
        assert other_tenant.status_code == 403
        run = http.post(f"/threads/{thread['thread_id']}/runs", json={"assistant_id": "support", "input": ask})
        assert run.status_code == 200, run.text
        assert run.json()["context"]["customer_id"] == "tok-ana"  # forced from the token


def test_forged_and_malformed_credentials_get_401(live_server: ServerProcess) -> None:
    for value in ("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer sak_000000000000_nope", "Basic abc"):
        response = httpx.post(f"{live_server.url}/threads/search", json={}, headers={"Authorization": value})
        assert response.status_code == 401, value


def test_cors_is_closed_and_headers_are_set(live_server: ServerProcess) -> None:
    preflight = httpx.options(
        f"{live_server.url}/threads/search",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    health = httpx.get(f"{live_server.url}/health")
    assert health.headers["x-content-type-options"] == "nosniff"


def test_a_public_bind_without_keys_refuses_to_start(pg_server_url: str) -> None:
    _, database_url = create_database(pg_server_url, prefix="bind")
    done = _cli(database_url, "serve", "--host", "0.0.0.0", "--port", str(free_port()), "--no-seed", timeout=180)
    assert done.returncode == 2
    assert "refusing to serve on 0.0.0.0" in done.stdout + done.stderr
