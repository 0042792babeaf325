"""Every route of the OpenAPI schema x every identity: the expected status, and no one else's data in any body.

A victim customer owns a thread (with a run), a ticket, a handoff-free profile and a memory, each carrying a marker
text. Then each identity calls every operation:
- nobody (no credential) gets 401 except on the public probes and docs;
- an attacker (another tenant's key, another customer's token) never gets a 2xx on an operation that names one of the
  victim's objects, and never sees a marker in any body;
- each role gets 403 exactly where ``identity.policy`` says it may not act, and no 401/403 where it may.
Mutating operations run against absent objects for the roles that may take them, so the victim's objects survive the
matrix, and the end of the test checks that they did.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from identity.policy import PERMISSIONS, Action
from server.launcher import ServerProcess
from tests.integration.staff.conftest import make_staff, sign_in

pytestmark = pytest.mark.integration

PUBLIC = {"/", "/health", "/live", "/ready", "/info", "/ok", "/docs", "/redoc", "/openapi.json", "/metrics"}
PUBLIC_PREFIXES = ("/docs", "/auth/login")
MARKERS = ("MXMARKER-message", "MXMARKER-ticket", "MXMARKER-memory", "mxmarker-victim@example.org", "Victima Mx")


def _action(method: str, path: str) -> Action | None:
    """The policy action an operation needs (None: any signed-in caller, object ownership checked)."""
    if path.startswith("/store"):
        # Reads: staff and services see the tenant's memories; a customer is narrowed to their own namespace.
        return "store.write" if method in ("PUT", "DELETE") else None
    if path.startswith("/assistants"):
        return None if method == "GET" or path.endswith(("/search", "/count", "/versions")) else "assistants.write"
    if "/crons" in path:
        return "crons.write"
    if path.startswith(("/threads", "/runs")):
        if path in ("/threads", "/threads/search") or method == "GET":
            return None
        if re.search(r"/runs(/stream|/wait)?$", path) and method == "POST":
            return "runs.create"
        if path.endswith(("/history", "/state/checkpoint", "/stream/events")) and method == "POST":
            return None
        if path.endswith("/commands"):
            return "runs.create"
        return "threads.write_any"
    table: list[tuple[str, str, Action]] = [
        ("POST", "/tickets", "tickets.create"),
        ("PATCH", "/tickets/", "tickets.update"),
        ("GET", "/customers/{customer_id}/export", "data.export"),
        ("DELETE", "/customers/", "data.erase"),
        ("POST", "/customers", "customers.update"),
        ("PATCH", "/customers/", "customers.update"),
        ("GET", "/customers", "customers.read"),
        ("POST", "/inbox/{handoff_id}/claim", "inbox.claim"),
        ("POST", "/inbox/{handoff_id}/assign", "inbox.assign"),
        ("POST", "/inbox/{handoff_id}/reply", "inbox.reply"),
        ("POST", "/inbox/{handoff_id}/handback", "inbox.reply"),
        ("POST", "/inbox/{handoff_id}/close", "inbox.close"),
        ("GET", "/inbox", "inbox.read"),
        ("POST", "/conversations/{thread_id}/end", "conversations.end"),
        ("POST", "/conversations/{thread_id}/resolve", "inbox.close"),
        ("GET", "/conversations", "conversations.read"),
        ("GET", "/customers/{customer_id}/tickets", "customers.read"),
        ("GET", "/analytics", "analytics.read"),
        ("GET", "/kb/stats", "analytics.read"),
        ("GET", "/kb/usage", "analytics.read"),
        ("GET", "/kb", "kb.read"),
        ("POST", "/kb", "kb.edit"),
        ("PUT", "/kb", "kb.edit"),
        ("DELETE", "/kb", "kb.edit"),
        ("GET", "/audit", "audit.read"),
    ]
    for table_method, prefix, action in table:
        if method == table_method and (path == prefix or path.startswith(prefix)):
            return action
    return None


@dataclass
class Victim:
    """The objects the attackers aim at, and the marker each carries."""

    customer_id: str
    thread_id: str
    run_id: str
    ticket_id: str


@dataclass(frozen=True)
class Caller:
    """One identity of the matrix: its headers, its role (None: nobody) and whether it is an attacker."""

    name: str
    headers: dict[str, str]
    role: str | None
    attacker: bool


@pytest.fixture(scope="module")
def victim(live_server: ServerProcess) -> Iterator[Victim]:
    customer_id = f"mx-victim-{uuid.uuid4().hex[:6]}"
    service = httpx.Client(base_url=live_server.url, headers=live_server.key_headers(scope="service"), timeout=120)
    admin = httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=120)
    created = service.post(
        "/customers", json={"id": customer_id, "name": "Victima Mx", "email": "mxmarker-victim@example.org"}
    )
    assert created.status_code == 201, created.text
    own = httpx.Client(base_url=live_server.url, headers=live_server.customer_headers(customer_id), timeout=120)
    thread = own.post("/threads", json={}).json()
    run = own.post(
        f"/threads/{thread['thread_id']}/runs/wait",
        json={"assistant_id": "support", "input": {"messages": [{"role": "user", "content": "MXMARKER-message"}]}},
    )
    assert run.status_code == 200, run.text
    runs = own.get(f"/threads/{thread['thread_id']}/runs").json()
    ticket = service.post("/tickets", json={"customer_id": customer_id, "subject": "MXMARKER-ticket"})
    assert ticket.status_code == 201, ticket.text
    stored = admin.put(
        "/store/items",
        json={
            "namespace": ["customers", "default", customer_id, "memories"],
            "key": "m",
            "value": {"text": "MXMARKER-memory"},
        },
    )
    assert stored.status_code == 204, stored.text
    yield Victim(customer_id, thread["thread_id"], runs[0]["run_id"], ticket.json()["id"])
    for client in (service, admin, own):
        client.close()


@pytest.fixture(scope="module")
def callers(live_server: ServerProcess, victim: Victim) -> list[Caller]:
    other = f"mx-other-{uuid.uuid4().hex[:6]}"

    def session(role: str) -> dict[str, str]:
        client, csrf = sign_in(live_server, make_staff(live_server, role=role))
        cookie = client.cookies["sa_session"]
        client.close()
        return {"Cookie": f"sa_session={cookie}", "X-CSRF-Token": csrf}

    return [
        Caller("nobody", {}, None, attacker=True),
        Caller("garbage token", {"Authorization": "Bearer not-a-token"}, None, attacker=True),
        Caller("other tenant admin", live_server.key_headers(tenant="mx-elsewhere", scope="admin"), "admin", True),
        Caller("other customer", live_server.customer_headers(other), "customer", attacker=True),
        Caller("customer", live_server.customer_headers(victim.customer_id), "customer", attacker=False),
        Caller("service", live_server.key_headers(scope="service"), "service", attacker=False),
        Caller("staff key", live_server.key_headers(scope="staff"), "supervisor", attacker=False),
        Caller("agent", session("agent"), "agent", attacker=False),
        Caller("supervisor", session("supervisor"), "supervisor", attacker=False),
        Caller("admin", live_server.headers, "admin", attacker=False),
    ]


def _operations(schema: dict[str, Any]) -> list[tuple[str, str]]:
    methods = ("get", "post", "put", "patch", "delete")
    return sorted((m.upper(), path) for path, item in schema["paths"].items() for m in item if m in methods)


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: ids.get(match.group(1), "absent-0"), path)


BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/store/items"): {
        "namespace": ["customers", "default", "{customer_id}", "memories"],
        "key": "m",
        "value": {"text": "planted"},
    },
    ("POST", "/store/items/search"): {"namespace_prefix": ["customers", "default"]},
    ("POST", "/store/namespaces"): {"prefix": ["customers"]},
    ("POST", "/threads/{thread_id}/runs/wait"): {
        "assistant_id": "support",
        "input": {"messages": [{"role": "user", "content": "hi"}]},
    },
    ("POST", "/threads/{thread_id}/state"): {"values": {"summary": "planted"}},
    ("PATCH", "/tickets/{ticket_id}"): {"status": "closed"},
    ("POST", "/tickets"): {"customer_id": "{customer_id}", "subject": "planted"},
    ("PATCH", "/customers/{customer_id}"): {"name": "planted"},
}


def _substitute(value: Any, customer_id: str) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, customer_id) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, customer_id) for item in value]
    return customer_id if value == "{customer_id}" else value


def _body(method: str, path: str, customer_id: str) -> dict[str, Any] | None:
    if method in ("GET", "DELETE"):
        return None
    return _substitute(BODIES.get((method, path), {}), customer_id)  # type: ignore[no-any-return]


def test_attacker_matrix(live_server: ServerProcess, victim: Victim, callers: list[Caller]) -> None:
    schema = httpx.get(f"{live_server.url}/openapi.json", timeout=60).json()
    operations = _operations(schema)
    real = {
        "thread_id": victim.thread_id,
        "run_id": victim.run_id,
        "ticket_id": victim.ticket_id,
        "customer_id": victim.customer_id,
    }
    absent = {name: f"absent-{uuid.uuid4().hex[:8]}" for name in real}
    real["handoff_id"] = absent["handoff_id"] = "987654321"
    absent["thread_id"] = str(uuid.uuid4())
    failures: list[str] = []
    cells = 0
    with httpx.Client(base_url=live_server.url, timeout=120) as http:
        for caller in callers:
            for method, template in operations:
                public = template in PUBLIC or template.startswith(PUBLIC_PREFIXES)
                action = _action(method, template)
                allowed = caller.role is not None and (action is None or action in PERMISSIONS[caller.role])  # type: ignore[index]
                mutating = method != "GET" and not template.endswith(("/search", "/count", "/history", "/export"))
                # Attackers aim at the victim's real objects; permitted callers mutate absent ones only.
                ids = real if caller.attacker or not (allowed and mutating) else absent
                starts_runs = template.endswith(("/runs/wait", "/runs/stream", "/runs")) and method == "POST"
                if template == "/auth/logout" and caller.role is not None:
                    continue  # it would end the session the rest of the matrix uses (staff tests cover it)
                if (starts_runs or template == "/threads/prune") and allowed and not caller.attacker:
                    continue  # covered by the conversation tests; here it would only add turns or prune threads
                path = _fill(template, ids)
                body = _body(method, template, ids["customer_id"])
                response = http.request(method, path, headers=caller.headers, json=body)
                cells += 1
                status = response.status_code
                where = f"{caller.name}: {method} {path} -> {status}"
                if status >= 500:
                    failures.append(f"{where} (server error) {response.text[:200]}")
                if caller.role is None and not public and status != 401:
                    failures.append(f"{where} (expected 401)")
                if caller.attacker and any(marker in response.text for marker in MARKERS):
                    failures.append(f"{where} (leaks the victim's data)")
                names_victim = any("{" + name + "}" in template for name in real if name != "handoff_id")
                if caller.attacker and caller.role is not None and names_victim and status < 300:
                    failures.append(f"{where} (an attacker reached the victim's object)")
                if caller.role is not None and not caller.attacker and action is not None:
                    # A malformed body may be refused (422) before the handler runs: refused all the same.
                    if not allowed and status not in (403, 422):
                        failures.append(f"{where} (policy forbids {action}: expected 403)")
                    if allowed and status in (401, 403):
                        failures.append(f"{where} (policy allows {action})")
    summary = f"attacker matrix: {len(operations)} operations x {len(callers)} identities = {cells} requests"
    print(summary)  # noqa: T201 - the closing note reports the matrix's size
    assert not failures, "\n".join(failures)

    # The victim's objects survived every attack.
    own = httpx.Client(base_url=live_server.url, headers=live_server.customer_headers(victim.customer_id), timeout=60)
    state = own.get(f"/threads/{victim.thread_id}/state").json()
    assert any(m["content"] == "MXMARKER-message" for m in state["values"]["messages"])
    ticket = own.get(f"/tickets/{victim.ticket_id}").json()
    assert ticket["subject"] == "MXMARKER-ticket" and ticket["status"] != "closed"
    admin = httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=60)
    memory = admin.get(
        "/store/items", params={"namespace": f"customers.default.{victim.customer_id}.memories", "key": "m"}
    ).json()
    assert memory["value"]["text"] == "MXMARKER-memory"
    profile = admin.get(f"/customers/{victim.customer_id}").json()
    assert profile["name"] == "Victima Mx"
