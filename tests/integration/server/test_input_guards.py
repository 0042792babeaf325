"""Inputs that used to answer 500 now get a 4xx naming the field, and the keep-alive connection stays usable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration

BIG = str(2**63)  # one past int64


@pytest.fixture
def http(live_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers) as client:
        yield client


@pytest.fixture(scope="module")
def thread_id(live_server: ServerProcess) -> str:
    with httpx.Client(base_url=live_server.url, timeout=60, headers=live_server.headers) as client:
        thread = client.post("/threads", json={}).json()["thread_id"]
        for text in ("first", "second"):
            body = {"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": text}]}}
            assert client.post(f"/threads/{thread}/runs/wait", json=body).status_code == 200
        return str(thread)


def refused(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    """The error body, after checking the status, the shape, the field named and that the connection is kept."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "details"}
    assert body["details"]["field"] == field
    assert field in body["message"]
    assert response.headers.get("connection", "").lower() != "close"
    return body


def still_serving(http: httpx.Client) -> None:
    assert http.get("/customers", params={"limit": 1}).status_code == 200


def raw_json(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("POST", "/customers", {"json": {"id": "guard-1", "name": "a\x00b"}}, "name"),
        ("POST", "/customers", raw_json('{"id": "guard-1", "name": "a\\ud800b"}'), "name"),
        ("PATCH", "/customers/guard-1", raw_json('{"preferences": {"k\\u0000": 1}}'), "preferences.k\x00"),
        ("POST", "/threads", {"json": {"metadata": {"note": "x\x00"}}}, "metadata.note"),
        ("GET", "/customers", {"params": {"q": "a\x00"}}, "query.q"),
        ("GET", "/customers/a%00b", {}, "path"),
        ("GET", "/customers", {"params": {"offset": BIG}}, "query.offset"),
        ("GET", "/kb/articles", {"params": {"limit": "9" * 40}}, "query.limit"),
        ("GET", f"/inbox/{BIG}", {}, "path.handoff_id"),
        ("POST", "/threads/search", {"json": {"offset": 2**64}}, "offset"),
        ("POST", "/store/items/search", {"json": {"namespace_prefix": ["notes"], "limit": 2**70}}, "limit"),
        ("PUT", "/store/items", {"json": {"namespace": ["notes", ""], "key": "k", "value": {}}}, "namespace[1]"),
        ("POST", "/store/items/search", {"json": {"namespace_prefix": [""]}}, "namespace_prefix[0]"),
        ("POST", "/store/namespaces", {"json": {"suffix": [""]}}, "suffix[0]"),
        ("POST", "/store/items/search", {"json": {"namespace_prefix": ["n"], "filter": {"a": {"$x": 1}}}}, "filter.a"),
        ("POST", "/threads", {"json": {"metadata": json.loads("[" * 40 + "]" * 40)}}, "metadata" + "[0]" * 31),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    http: httpx.Client, method: str, path: str, kwargs: dict[str, Any], field: str
) -> None:
    refused(http.request(method, path, **kwargs), 422, field)
    still_serving(http)


def test_a_bad_run_status_is_422(http: httpx.Client, thread_id: str) -> None:
    runs = http.get(f"/threads/{thread_id}/runs").json()
    run_id = runs[0]["run_id"]
    response = http.patch(f"/threads/{thread_id}/runs/{run_id}", json={"run_id": run_id, "status": ""})
    refused(response, 422, "status")
    still_serving(http)


@pytest.mark.parametrize(
    ("context", "field"),
    [
        ({"customer_id": 123}, "context.customer_id"),
        ({"channel": "pigeon"}, "context.channel"),
        ({"persona": "pirate"}, "context.persona"),
        ({"favourite_colour": "blue"}, "context.favourite_colour"),
        ({"now": "soon"}, "context.now"),
    ],
)
def test_run_context_is_typed(http: httpx.Client, thread_id: str, context: dict[str, Any], field: str) -> None:
    before = http.get(f"/threads/{thread_id}/runs").json()
    body = {"assistant_id": "support", "input": {"messages": [{"role": "user", "content": "hi"}]}, "context": context}
    refused(http.post(f"/threads/{thread_id}/runs/wait", json=body), 422, field)
    refused(http.post("/runs/wait", json=body), 422, field)
    assert http.get(f"/threads/{thread_id}/runs").json() == before  # no run was created


def test_free_form_json_is_bounded(http: httpx.Client) -> None:
    refused(http.post("/threads", json={"metadata": {"blob": "x" * 20_000}}), 413, "metadata")
    item = {"namespace": ["notes"], "key": "big", "value": {"blob": "x" * 70_000}}
    refused(http.put("/store/items", json=item), 413, "value")
    huge_context = {"customer_id": "c-1", "persona": "x" * 10_000_000}
    response = http.post("/runs/wait", json={"assistant_id": "support", "context": huge_context})
    assert response.status_code == 413 and response.json()["details"]["field"] == "body"
    profile = {"id": "guard-prefs", "preferences": {"notes": "x" * 9_000}}
    response = http.post("/customers", json=profile)
    assert response.status_code == 422 and "preferences" in response.text
    assert http.get("/customers/guard-prefs").status_code == 404
    assert http.post("/customers", json={**profile, "preferences": {"notes": "short"}}).status_code == 201
    still_serving(http)


def _sources(states: list[dict[str, Any]]) -> list[Any]:
    return [state["metadata"].get("source") for state in states]


def test_history_metadata_filter_is_honoured(http: httpx.Client, thread_id: str) -> None:
    everything = http.post(f"/threads/{thread_id}/history", json={"limit": 100})
    assert everything.status_code == 200
    all_states = everything.json()
    assert http.post(f"/threads/{thread_id}/history", json={"limit": 100, "metadata": {}}).json() == all_states
    loops = http.post(f"/threads/{thread_id}/history", json={"limit": 100, "metadata": {"source": "loop"}})
    assert loops.status_code == 200
    expected = [s for s in all_states if s["metadata"].get("source") == "loop"]
    assert loops.json() == expected and expected
    one = http.post(f"/threads/{thread_id}/history", json={"limit": 1, "metadata": {"source": "loop"}}).json()
    assert one == expected[:1]
    params = {"metadata": json.dumps({"source": "input"}), "limit": 100}
    inputs = http.get(f"/threads/{thread_id}/history", params=params)
    assert inputs.status_code == 200
    assert _sources(inputs.json()) == ["input"] * len(inputs.json())
    assert inputs.json() == [s for s in all_states if s["metadata"].get("source") == "input"]
    nothing = http.post(f"/threads/{thread_id}/history", json={"metadata": {"source": "nowhere"}})
    assert nothing.status_code == 200 and nothing.json() == []
    still_serving(http)
