from __future__ import annotations

import pytest

from server.guards.store_checks import filter_problem, label_problem, store_problem


@pytest.mark.parametrize(
    ("labels", "field"),
    [([""], "ns[0]"), (["a", ""], "ns[1]"), (["a.b"], "ns[0]"), (["ok", "fine"], None), ("not a list", None)],
)
def test_label_problem(labels: object, field: str | None) -> None:
    problem = label_problem("ns", labels)
    assert (problem.field if problem else None) == field


def test_filter_operators() -> None:
    assert filter_problem({"kind": "note", "n": {"$gt": 3, "$lte": 9}}) is None
    problem = filter_problem({"n": {"$regex": "x"}})
    assert problem is not None and problem.field == "filter.n" and "$regex" in problem.message
    problem = filter_problem({"n": {"nested": 1}})
    assert problem is not None and "nested" in problem.message


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/store/items", {"namespace": [""], "key": "k", "value": {}}, "namespace[0]"),
        ("/store/items/search", {"namespace_prefix": [""]}, "namespace_prefix[0]"),
        ("/store/items/search", {"namespace_prefix": ["a"], "filter": {"x": {"$in": [1]}}}, "filter.x"),
        ("/store/namespaces", {"prefix": ["a"], "suffix": [""]}, "suffix[0]"),
        ("/store/items", {"namespace": ["a"], "key": "k", "value": {"t": "x" * 500}}, "value"),
        ("/store/items", {"namespace": ["a"], "key": "k", "value": {"t": "x"}}, None),
        ("/threads", {"namespace": [""]}, None),
    ],
)
def test_store_problem(path: str, body: dict[str, object], field: str | None) -> None:
    problem = store_problem(path, body, max_value_bytes=300, body_bytes=10_000)
    assert (problem.field if problem else None) == field
