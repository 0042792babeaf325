"""Rate limits through a real server started with low limits: 429 with Retry-After on runs and on sign-in.

Windows are fixed minutes, so a burst may straddle two of them: the first ``limit`` requests always pass, and
among the next ``limit + 1`` at least one must be refused, wherever the minute boundary falls.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from server.launcher import ServerProcess
from tests.integration.staff.conftest import make_staff

pytestmark = pytest.mark.integration

LIMIT = 3


def start_run(http: httpx.Client) -> httpx.Response:
    thread = http.post("/threads", json={})
    assert thread.status_code == 200, thread.text
    body = {"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "hi"}]}}
    return http.post(f"/threads/{thread.json()['thread_id']}/runs/wait", json=body)


def assert_refused_properly(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "too_many_requests" and "retry" in response.json()["message"]
    assert 1 <= int(response.headers["retry-after"]) <= 60


def test_runs_and_sign_ins_over_the_limit_get_429(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(RATE_LIMIT_MESSAGES_PER_MINUTE=str(LIMIT), RATE_LIMIT_LOGINS_PER_MINUTE=str(LIMIT))
    with httpx.Client(base_url=server.url, timeout=60, headers=server.customer_headers("rl-ana")) as ana:
        first = [start_run(ana) for _ in range(LIMIT)]
        assert [r.status_code for r in first] == [200] * LIMIT, [r.text for r in first]
        more = [start_run(ana) for _ in range(LIMIT + 1)]
        refused = [r for r in more if r.status_code == 429]
        assert refused, [r.status_code for r in more]
        assert_refused_properly(refused[0])
        assert refused[0].json()["details"]["limit"] == "customer"
    with httpx.Client(base_url=server.url, timeout=60, headers=server.customer_headers("rl-ben")) as ben:
        assert start_run(ben).status_code == 200  # another customer has a budget of their own
    with httpx.Client(base_url=server.url, timeout=60, headers=server.headers) as admin:
        assert admin.get("/tickets").status_code == 200  # other routes are not counted

    account = make_staff(server, role="agent")
    attempt = {"tenant": "default", "email": account.email, "password": "wrong password"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        first = [http.post("/auth/login", json=attempt) for _ in range(LIMIT)]
        assert [r.status_code for r in first] == [401] * LIMIT
        more = [http.post("/auth/login", json=attempt) for _ in range(LIMIT + 1)]
        refused = [r for r in more if r.status_code == 429]
        assert refused, [r.status_code for r in more]
        assert_refused_properly(refused[0])
