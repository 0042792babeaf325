"""The tokens of the internal LLM calls (intent, memory extraction, summaries) are recorded with the turn's.

Every reply of the scripted model server reports fixed usage per kind of call, so the analytics rows of a
conversation must add up to exactly what the server was asked for -- one missing call and the sums differ.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest

from tests.integration.graph.conftest import Harness, open_harness, stub_model
from tests.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.integration

USAGE = {"intent": (11, 1, 0), "memory": (23, 2, 0), "summary": (307, 13, 0), "answer": (1009, 17, 0)}


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    with stub_model(
        monkeypatch, SUMMARY_TOKEN_BUDGET="400", LLM_PRICE_INPUT_PER_MTOK="1.0", LLM_PRICE_OUTPUT_PER_MTOK="4.0"
    ) as server:
        server.defaults["intent"] = Reply(
            json.dumps({"intent": "account_access", "confidence": 0.9}), usage=USAGE["intent"]
        )
        server.defaults["memory"] = Reply(json.dumps({"facts": []}), usage=USAGE["memory"])
        server.defaults["summary"] = Reply("The customer asked how-to questions.", usage=USAGE["summary"])
        answer = " ".join(["Here are the steps from the help center, one by one."] * 12)
        server.defaults["answer"] = Reply(answer, usage=USAGE["answer"])
        yield server


@pytest.fixture
async def live(graph_db: str, stub: OpenAIStub) -> AsyncIterator[Harness]:
    async for opened in open_harness(graph_db):
        yield opened


def _totals(url: str, thread: str) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd) FROM conversation_events"
            " WHERE thread_id = %s",
            (thread,),
        ).fetchone()
    assert row is not None
    return tuple(row)


async def test_every_internal_call_is_counted_in_the_turns_usage(live: Harness, stub: OpenAIStub) -> None:
    questions = ["How do I reset my password?", "How do I download invoices?", "How do I export my notes?"] * 2
    for question in questions:
        await live.say("usage", question)
    calls = {kind: len(stub.of_kind(kind)) for kind in USAGE}  # type: ignore[arg-type]
    assert calls["summary"] >= 1 and calls["memory"] == len(questions) and calls["intent"] == len(questions)
    expected_in = sum(USAGE[kind][0] * n for kind, n in calls.items())
    expected_out = sum(USAGE[kind][1] * n for kind, n in calls.items())
    turns, input_tokens, output_tokens, cost = _totals(live.url, "usage")
    assert (turns, input_tokens, output_tokens) == (len(questions), expected_in, expected_out)
    assert float(cost) == pytest.approx((expected_in * 1.0 + expected_out * 4.0) / 1_000_000)
