"""Contract tests: what the model is sent, read from the requests the scripted OpenAI-compatible server recorded.

The system prompt comes first with the grounding, memory and summary; customer PII is masked in every request;
no internal state (signals, flags, ids) reaches the model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integration.graph.conftest import Harness, open_harness, stub_model
from tests.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.integration

REMEMBERED = "You use the Android app."


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    with stub_model(monkeypatch, SUMMARY_TOKEN_BUDGET="400") as server:
        yield server


@pytest.fixture
async def live(graph_db: str, stub: OpenAIStub) -> AsyncIterator[Harness]:
    async for opened in open_harness(graph_db):
        yield opened


async def test_the_answer_request_has_the_system_prompt_grounding_and_no_pii_or_internal_state(
    live: Harness, stub: OpenAIStub
) -> None:
    await live.say("contract", "I'm Jane Fielding, jane.fielding@example.com. How do I reset my password?")
    answer = stub.of_kind("answer")[0].body
    messages = answer["messages"]
    assert messages[0]["role"] == "system" and [m["role"] for m in messages[1:]] == ["user"]
    assert "<article" in messages[0]["content"] and "reset-password" in messages[0]["content"]
    everything = json.dumps([r.body for r in stub.requests])
    assert "jane.fielding@example.com" not in everything and "Fielding" not in everything
    for internal in ("flagged_message_ids", "sentiment_history", "turn_usage", "model_failure", "cust-1"):
        assert internal not in everything
    assert answer["model"] == "stub-model" and answer["tools"]


async def test_memory_from_an_earlier_conversation_and_the_summary_reach_the_prompt(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.script("memory", Reply(json.dumps({"facts": [{"kind": "product", "subject": "app", "text": REMEMBERED}]})))
    await live.say("first", "I use the Android app. How do I reset my password?")
    assert stub.of_kind("memory"), "the memory extraction call was made"
    await live.say("second", "How do I turn on two-factor authentication?")
    system = stub.of_kind("answer")[-1].body["messages"][0]["content"]
    assert REMEMBERED in system

    stub.defaults["summary"] = Reply("SUMMARY-MARKER: the customer asked about passwords and invoices.")
    stub.defaults["answer"] = Reply(" ".join(["Here are the steps from the help center, one by one."] * 12))
    for question in ["How do I download invoices?", "How do I cancel my plan?", "How do I export my notes?"] * 2:
        await live.say("second", question)
    assert stub.of_kind("summary"), "the history went over the budget and was summarised by the model"
    summary_prompt = stub.of_kind("summary")[0].body["messages"][0]["content"]
    assert "two-factor" in summary_prompt
    assert "SUMMARY-MARKER" in stub.of_kind("answer")[-1].body["messages"][0]["content"]
