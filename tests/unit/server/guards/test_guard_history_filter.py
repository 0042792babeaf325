from __future__ import annotations

import pytest

from server.guards.history_filter import json_contains


@pytest.mark.parametrize(
    ("document", "pattern", "contained"),
    [
        ({"source": "loop", "step": 1}, {"source": "loop"}, True),
        ({"source": "loop", "step": 1}, {"source": "input"}, False),
        ({"step": 1}, {"step": 1.0}, True),
        ({"flag": True}, {"flag": 1}, False),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}, True),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
        ({"tags": ["x", "y", "z"]}, {"tags": ["z", "x"]}, True),
        ({"tags": ["x"]}, {"tags": ["q"]}, False),
        ({}, {"missing": None}, False),
        ({"missing": None}, {"missing": None}, True),
        ({"a": 1}, {}, True),
    ],
)
def test_json_contains_is_jsonb_containment(document: object, pattern: object, contained: bool) -> None:
    assert json_contains(document, pattern) is contained
