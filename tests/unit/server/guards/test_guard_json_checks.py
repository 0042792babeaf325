from __future__ import annotations

import json

import pytest

from server.guards.json_checks import INT64_MAX, INT64_MIN, scan_json, text_problem
from server.guards.middleware import GuardLimits, body_problem, parse_json

LIMITS = GuardLimits(
    max_body_bytes=10_000,
    max_upload_body_bytes=10_000,
    max_json_depth=5,
    max_metadata_bytes=300,
    max_store_value_bytes=300,
)


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("text", "says"),
    [("plain ünïcode 😀", None), ("a\x00b", "NUL"), ("x\ud800", "surrogate"), ("\udfff", "surrogate")],
)
def test_text_problem(text: str, says: str | None) -> None:
    found = text_problem(text)
    assert (found is None) if says is None else (found is not None and says in found)


def test_depth_limit_counts_objects_and_arrays() -> None:
    assert scan_json(nested(5), max_depth=5) is None
    problem = scan_json(nested(6), max_depth=5)
    assert problem is not None and "deeper than 5" in problem.message
    assert problem.field == "a.a.a.a.a"
    assert scan_json([[[[[[]]]]]], max_depth=5) is not None
    assert scan_json([[[[[]]]]], max_depth=5) is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"metadata": {"note": "a\x00"}}, "metadata.note"),
        ({"input": {"messages": [{"content": "ok"}, {"content": "\ud83d"}]}}, "input.messages[1].content"),
        ({"metadata": {"bad\x00key": 1}}, "metadata.bad\x00key"),
        ({"offset": INT64_MAX + 1}, "offset"),
        ({"limit": INT64_MIN - 1}, "limit"),
        ([1, 2, float("inf")], "body[2]"),
        ("\x00", "body"),
    ],
)
def test_problems_name_the_field(document: object, field: str) -> None:
    problem = scan_json(document, max_depth=10)
    assert problem is not None and problem.field == field
    assert problem.status == 422


def test_int64_bounds_and_ordinary_values_pass() -> None:
    ok = {"a": INT64_MAX, "b": INT64_MIN, "c": True, "d": None, "e": 1.5, "f": ["x", {"g": -3}]}
    assert scan_json(ok, max_depth=10) is None


def test_text_checks_can_be_skipped_when_the_raw_body_has_no_escape() -> None:
    assert scan_json({"a": "\x00"}, max_depth=10, check_text=False) is None
    assert scan_json({"a": 2**64}, max_depth=10, check_text=False) is not None


def test_parse_json_reports_recursion_and_huge_numbers_but_leaves_bad_json_to_the_route() -> None:
    body, problem = parse_json(b"[" * 100_000 + b"]" * 100_000, max_depth=32)
    assert body is None and problem is not None and "nested deeper" in problem.message
    body, problem = parse_json(b'{"n": ' + b"9" * 5000 + b"}", max_depth=32)
    assert body is None and problem is not None and "too long" in problem.message
    body, problem = parse_json(b"{not json", max_depth=32)
    assert body is None and problem is not None and "not valid JSON" in problem.message
    body, problem = parse_json(b"\xff\xfe", max_depth=32)
    assert body is None and problem is not None and problem.field == "body"


def test_body_problem_bounds_metadata_and_store_values() -> None:
    small = {"metadata": {"k": "v"}}
    assert body_problem("POST", "/threads", json.dumps(small).encode(), small, LIMITS) is None
    big = {"metadata": {"k": "v" * 400}}
    problem = body_problem("POST", "/threads", json.dumps(big).encode(), big, LIMITS)
    assert problem is not None and problem.status == 413 and problem.field == "metadata"
    store = {"namespace": ["notes"], "key": "k", "value": {"text": "x" * 400}}
    problem = body_problem("POST", "/store/items", json.dumps(store).encode(), store, LIMITS)
    assert problem is not None and problem.status == 413 and problem.field == "value"
    escaped = {"metadata": {"k": "\x00"}}
    problem = body_problem("POST", "/threads", json.dumps(escaped).encode(), escaped, LIMITS)
    assert problem is not None and problem.field == "metadata.k"
