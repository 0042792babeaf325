from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query

from server.guards.query_checks import (
    has_long_number,
    integer_params,
    integer_problem,
    query_pairs,
    request_line_problem,
)

app = FastAPI()


@app.get("/items/{item_id}")
async def item(item_id: int, q: str | None = None, offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    return {}


@app.get("/names/{name}")
async def name(name: str, limit: int | None = None) -> dict[str, Any]:
    return {}


def _scope(path: str, query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": query, "headers": []}


def test_nul_in_path_and_query_is_named() -> None:
    assert request_line_problem("/threads/a\x00b", []) is not None
    problem = request_line_problem("/threads", query_pairs(b"limit=1&q=a%00b"))
    assert problem is not None and problem.field == "query.q"
    assert request_line_problem("/threads", query_pairs(b"q=caf%C3%A9")) is None


def test_integer_parameters_come_from_the_routes() -> None:
    found = {entry.path.pattern: (entry.path_names, entry.query_names) for entry in integer_params(app.openapi())}
    assert found["^/items/(?P<item_id>[^/]+)/?$"] == (frozenset({"item_id"}), frozenset({"offset"}))
    assert found["^/names/(?P<name>[^/]+)/?$"] == (frozenset(), frozenset({"limit"}))


def test_only_integer_parameters_beyond_int64_are_refused() -> None:
    params = integer_params(app.openapi())
    big = "9223372036854775808"  # INT64_MAX + 1
    problem = integer_problem(_scope(f"/items/{big}"), [], params)
    assert problem is not None and problem.field == "path.item_id"
    problem = integer_problem(_scope("/items/1"), [("offset", big)], params)
    assert problem is not None and problem.field == "query.offset"
    problem = integer_problem(_scope("/names/x"), [("limit", "9" * 5000)], params)
    assert problem is not None and problem.field == "query.limit"
    assert integer_problem(_scope("/items/1"), [("offset", "9223372036854775807")], params) is None
    assert integer_problem(_scope("/items/1"), [("q", big)], params) is None  # free text keeps its digits
    assert integer_problem(_scope(f"/names/{big}"), [], params) is None


def test_long_numbers_are_spotted_cheaply() -> None:
    assert has_long_number("/items/1", b"offset=" + b"1" * 19)
    assert not has_long_number("/items/123456789012345678", b"limit=10")
