from __future__ import annotations

import dataclasses
from typing import get_args

import pytest

from graph.state import Channel, Context
from server.guards.run_context import RunContext, run_context_problem


def test_the_checked_keys_are_exactly_the_graph_context_fields() -> None:
    assert set(RunContext.model_fields) == {f.name for f in dataclasses.fields(Context)}


@pytest.mark.parametrize("channel", get_args(Channel))
def test_every_channel_is_accepted(channel: str) -> None:
    assert run_context_problem({"channel": channel}) is None


def test_a_full_valid_context() -> None:
    context = {
        "customer_id": "cust_42@acme",
        "tenant": "acme",
        "channel": "email",
        "persona": "professional",
        "model": "openai:gpt-4.1-mini",
        "now": "2026-03-01T10:00:00+00:00",
    }
    assert run_context_problem(context) is None
    assert run_context_problem({}) is None
    assert run_context_problem(None) is None


@pytest.mark.parametrize(
    ("context", "field", "says"),
    [
        ({"customer_id": 123}, "context.customer_id", "string"),
        ({"customer_id": "has space"}, "context.customer_id", "pattern"),
        ({"customer_id": "x" * 129}, "context.customer_id", "pattern"),
        ({"tenant": "a.b"}, "context.tenant", "pattern"),
        ({"channel": "pigeon"}, "context.channel", "'chat'"),
        ({"persona": "pirate"}, "context.persona", "unknown persona"),
        ({"model": "gpt-4"}, "context.model", "pattern"),
        ({"now": "next tuesday"}, "context.now", "isoformat"),
        ({"now": 1700000000}, "context.now", "string"),
        ({"delay_s": 3}, "context.delay_s", "not a context key"),
        (["customer_id"], "context", "object"),
    ],
)
def test_bad_contexts_name_the_key(context: object, field: str, says: str) -> None:
    problem = run_context_problem(context)
    assert problem is not None and problem.status == 422
    assert problem.field == field
    assert says in problem.message
