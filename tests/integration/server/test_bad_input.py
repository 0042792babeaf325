"""Bad input gets a clear JSON error and leaves stored data untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.launcher import ROOT, ServerProcess

pytestmark = pytest.mark.integration


def _messages(client: httpx.Client, thread_id: str) -> list[str]:
    state = client.get(f"/threads/{thread_id}/state").json()
    return [m["content"] for m in state["values"]["messages"]]


@pytest.fixture
def http(live_server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers)


@pytest.fixture
def thread_with_history(http: httpx.Client) -> str:
    thread_id = http.post("/threads", json={}).json()["thread_id"]
    body = {"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "kept"}]}}
    assert http.post(f"/threads/{thread_id}/runs/wait", json=body).status_code == 200
    return thread_id


def test_unknown_thread_and_assistant_are_404(http: httpx.Client, thread_with_history: str) -> None:
    body = {"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "hi"}]}}
    response = http.post("/threads/7b0c8a52-0000-4000-8000-000000000000/runs/wait", json=body)
    assert response.status_code == 404
    assert "not found" in response.json()["message"].lower()
    assert http.get("/threads/7b0c8a52-0000-4000-8000-000000000000").status_code == 404
    response = http.post(f"/threads/{thread_with_history}/runs/wait", json={**body, "assistant_id": "nope"})
    assert response.status_code == 404
    assert _messages(http, thread_with_history) == ["kept", "echo #1: kept"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "   "}]}}, 422, "empty"),
        ({"assistant_id": "echo", "input": {"messages": "hello"}}, 422, "list"),
        ({"assistant_id": "echo", "input": {"messages": [{"role": "user"}]}}, 422, "no text"),
        ({"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "x" * 8001}]}}, 413, "8000"),
        ({"assistant_id": "echo", "multitask_strategy": "sometimes"}, 422, "multitask_strategy"),
    ],
)
def test_bad_run_bodies(
    http: httpx.Client, thread_with_history: str, body: dict[str, object], status: int, says: str
) -> None:
    response = http.post(f"/threads/{thread_with_history}/runs/wait", json=body)
    assert response.status_code == status, response.text
    assert says in response.text
    assert _messages(http, thread_with_history) == ["kept", "echo #1: kept"]


def test_malformed_json_is_422(http: httpx.Client, thread_with_history: str) -> None:
    response = http.post(
        f"/threads/{thread_with_history}/runs/wait", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert _messages(http, thread_with_history) == ["kept", "echo #1: kept"]


def test_message_limit_is_configurable(server_factory: object) -> None:
    server = server_factory(MAX_MESSAGE_CHARS="20")  # type: ignore[operator]
    with httpx.Client(base_url=server.url, timeout=60, headers=server.headers) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "x" * 21}]}}
        response = client.post(f"/threads/{thread_id}/runs/wait", json=body)
        assert response.status_code == 413
        assert "limit is 20" in response.json()["message"]


def test_unreachable_database_exits_nonzero_with_a_clear_message(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "support-agent"), "serve", "--port", "1", "--no-seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Database unavailable" in done.stderr
    assert "127.0.0.1" in done.stderr
