"""The /kb routes through the real server (Aegra + our app) on its own seeded database."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def client(live_server: ServerProcess) -> Iterator[httpx.Client]:
    # a tenant of its own per test: the session server is shared, the seed KB lives in "default"
    with httpx.Client(
        base_url=f"{live_server.url}/kb",
        timeout=120,
        headers=live_server.key_headers(tenant=f"t{uuid.uuid4().hex[:8]}"),
    ) as c:
        yield c


def _seeded(live_server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=f"{live_server.url}/kb", timeout=120, headers=live_server.headers)


def test_search_the_seed_kb(live_server: ServerProcess) -> None:
    with _seeded(live_server) as seeded:
        response = seeded.get("/search", params={"q": "I forgot my password", "k": 3})
        assert response.status_code == 200
        body = response.json()
        assert body["hits"][0]["article_id"] == "reset-password"
        assert body["low_confidence"] is False and body["top_score"] >= body["threshold"]
        billing = seeded.get("/search", params={"q": "password", "category": "billing"}).json()
        assert all(hit["category"] == "billing" for hit in billing["hits"])
        stats = seeded.get("/stats").json()
        assert stats["articles"] >= 40 and stats["embedding_model"] == "local:all-MiniLM-L6-v2"
        assert {"account", "billing", "refunds", "shipping", "security"} <= set(stats["categories"])


def test_article_lifecycle(client: httpx.Client) -> None:
    article = {"title": "Pause a subscription", "body": "## Steps\n\nOpen Billing and click Pause for up to 3 months.",
               "category": "billing", "tags": ["pause"]}  # fmt: skip
    created = client.post("/articles", json={**article, "id": "pause-plan"})
    assert created.status_code == 201 and created.json() == {"article_id": "pause-plan", "status": "added", "chunks": 2}
    assert client.post("/articles", json={**article, "id": "pause-plan"}).status_code == 409
    assert client.put("/articles/pause-plan", json=article).json()["status"] == "unchanged"
    changed = client.put("/articles/pause-plan", json={**article, "body": "Pausing is possible for 6 months."})
    assert changed.json()["status"] == "updated"
    fetched = client.get("/articles/pause-plan").json()
    assert fetched["body"] == "Pausing is possible for 6 months." and fetched["tags"] == ["pause"]
    assert fetched["usage"] == {"citations": 0, "threads": 0, "resolved_threads": 0, "resolution_rate": None}
    [hit] = client.get("/search", params={"q": "can I pause my plan", "k": 1}).json()["hits"]
    assert hit["article_id"] == "pause-plan"
    listed = client.get("/articles", params={"limit": 10}).json()
    assert listed["total"] == 1 and listed["articles"][0]["article_id"] == "pause-plan"
    assert client.delete("/articles/pause-plan").status_code == 204
    assert client.get("/articles/pause-plan").status_code == 404
    assert client.delete("/articles/pause-plan").status_code == 404


def test_upload_ingests_good_files_and_names_the_bad_one(client: httpx.Client) -> None:
    files = [
        ("files", ("faq.csv", b"question,answer\nDo you have a dark mode?,Yes under Settings > Appearance.\n")),
        ("files", ("guide.md", b"# Keyboard shortcuts\n\nPress Ctrl+K to search everywhere.\n")),
        ("files", ("broken.json", b"{not json")),
    ]
    response = client.post("/upload", files=files)
    assert response.status_code == 200
    summary = response.json()
    assert summary["added"] == 2
    assert [error["path"] for error in summary["errors"]] == ["broken.json"]
    assert client.get("/articles/guide").json()["title"] == "Keyboard shortcuts"
    again = client.post("/upload", files=files[:2]).json()
    assert (again["added"], again["unchanged"]) == (0, 2)


def test_paging(client: httpx.Client) -> None:
    for number in range(5):
        body = {"id": f"a{number}", "title": f"Article {number}", "body": f"Body number {number}."}
        assert client.post("/articles", json=body).status_code == 201
    first = client.get("/articles", params={"limit": 2, "offset": 0}).json()
    last = client.get("/articles", params={"limit": 2, "offset": 4}).json()
    assert [a["article_id"] for a in first["articles"]] == ["a0", "a1"] and first["total"] == 5
    assert [a["article_id"] for a in last["articles"]] == ["a4"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "fragment"),
    [
        ("get", "/search", {"params": {"q": "   "}}, 422, "blank"),
        ("get", "/search", {}, 422, "q"),
        ("get", "/articles/nope", {}, 404, "'nope' not found"),
        ("post", "/articles", {"json": {"title": "No body"}}, 422, "body"),
        ("put", "/articles/x", {"json": {"title": "t", "body": "b", "colour": "red"}}, 422, "colour"),
        ("post", "/upload", {"files": [("files", ("slides.pptx", b"PK"))]}, 400, "unsupported file type"),
    ],
)
def test_errors_are_json_with_a_message(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, object], status: int, fragment: str
) -> None:
    response = client.request(method.upper(), path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_too_large_upload_is_refused_and_nothing_is_stored(client: httpx.Client) -> None:
    big = b"# Big\n\n" + b"word " * 2_100_000  # > 10 MB default limit
    response = client.post("/upload", files=[("files", ("big.md", big))])
    assert response.status_code == 413 and "larger than" in response.json()["message"]
    assert client.get("/articles").json()["total"] == 0
