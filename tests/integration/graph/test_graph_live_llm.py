"""Live-LLM mode on real Postgres: LLM_MODEL=openai:... reached over HTTP (langchain-openai) on the scripted server.

The only fake is the model. Faults are scripted at the HTTP level; the customer always gets an answer or a
handoff, the failure is recorded for analytics, and the thread stays usable.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from langchain_core.messages import ToolMessage
from psycopg.rows import dict_row

from prompts.loader import load_phrases
from signals.analyzer import get_analyzer
from tests.integration.graph.conftest import Harness, clear_model_caches, open_harness, stub_model
from tests.openai_stub import OpenAIStub, Reply, ToolCallSpec, error, tool_call

pytestmark = pytest.mark.integration

TIMEOUT_S = 3.0


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    with stub_model(
        monkeypatch,
        LLM_TIMEOUT_S=str(TIMEOUT_S),
        LLM_PRICE_INPUT_PER_MTOK="1.0",
        LLM_PRICE_OUTPUT_PER_MTOK="4.0",
        LLM_PRICE_CACHED_PER_MTOK="0.25",
    ) as server:
        yield server


@pytest.fixture
async def live(graph_db: str, stub: OpenAIStub) -> AsyncIterator[Harness]:
    async for opened in open_harness(graph_db):
        yield opened


def _events(url: str, thread: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT * FROM conversation_events WHERE thread_id = %s ORDER BY turn", (thread,)
        ).fetchall()


def _tools_sent(stub: OpenAIStub) -> dict[str, Any]:
    return {tool["function"]["name"]: tool["function"] for tool in stub.of_kind("answer")[0].body.get("tools", [])}


async def test_a_tool_call_then_the_answer_with_clean_tool_schemas_and_usage_recorded(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.script(
        "answer",
        Reply(tool_calls=(tool_call("search_knowledge_base", query="reset password"),), usage=(900, 20, 0)),
        Reply("Use Forgot password on the sign-in page [reset-password].", usage=(1200, 30, 800)),
    )
    # The internal calls' tokens count too: the intent before the answer, the memory extraction after it.
    stub.script("intent", Reply(json.dumps({"intent": "account_access", "confidence": 0.9}), usage=(300, 7, 0)))
    stub.script("memory", Reply(json.dumps({"facts": []}), usage=(400, 9, 100)))
    values = await live.say("happy", "How do I reset my password?")
    assert values["messages"][-1].content == "Use Forgot password on the sign-in page [reset-password]."
    assert values["answered_by"] == "primary" and values["model_failure"] is None
    tools = _tools_sent(stub)
    assert {"search_knowledge_base", "lookup_ticket", "list_my_tickets", "create_ticket"} <= set(tools)
    sent = json.dumps(tools)
    assert "Injected" not in sent and "runtime" not in sent.lower() and "tool node" not in sent
    assert tools["search_knowledge_base"]["parameters"]["properties"]["query"]["description"]
    second = stub.of_kind("answer")[1].body["messages"]
    assert second[-1]["role"] == "tool" and "reset-password" in second[-1]["content"]
    [event] = _events(live.url, "happy")
    assert (event["model"], event["answered_by"]) == ("openai:stub-model", "primary")
    assert stub.of_kind("memory")
    assert (event["input_tokens"], event["output_tokens"], event["cached_tokens"]) == (2800, 66, 900)
    # (2800 - 900) * 1.0 + 66 * 4.0 + 900 * 0.25 per million tokens
    assert float(event["cost_usd"]) == pytest.approx(2389 / 1_000_000)


async def test_http_500_gets_the_offline_grounded_answer_and_the_thread_stays_usable(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.script("answer", *[error(500)] * 3)
    started = time.monotonic()
    values = await live.say("down", "How do I reset my password?")
    assert time.monotonic() - started < TIMEOUT_S + 10
    reply = str(values["messages"][-1].content)
    assert "[reset-password]" in reply and "error" not in reply.lower()
    assert values["answered_by"] == "offline" and values["model_failure"] == "primary:http_500"
    assert len(stub.of_kind("answer")) == 3  # one call and two client retries, no node retries
    values = await live.say("down", "Thanks, and how do I change my email address?")
    assert values["answered_by"] == "primary" and values["messages"][-1].content == "Here is my answer."
    events = _events(live.url, "down")
    assert [(e["answered_by"], e["model_failure"]) for e in events] == [
        ("offline", "primary:http_500"),
        ("primary", None),
    ]


async def test_a_hung_model_is_cut_off_at_the_deadline(live: Harness, stub: OpenAIStub) -> None:
    # A first turn loads the local models (about 15 s when this test runs alone): the clock is for the deadline.
    stub.script("answer", Reply("Warm."))
    await live.say("hang-warm-up", "How do I reset my password?")
    stub.script("answer", *[Reply(hang_s=120)] * 3)
    started = time.monotonic()
    values = await live.say("hang", "How do I reset my password?")
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT_S + 10, elapsed
    assert values["answered_by"] == "offline" and values["model_failure"] == "primary:timeout"
    assert "[reset-password]" in str(values["messages"][-1].content)


async def test_429_with_retry_after_is_waited_out(live: Harness, stub: OpenAIStub) -> None:
    stub.script("answer", error(429, retry_after=1), Reply("Answered after the rate limit."))
    values = await live.say("limited", "How do I reset my password?")
    assert values["messages"][-1].content == "Answered after the rate limit."
    first, second = stub.of_kind("answer")
    assert second.at - first.at >= 0.9 and values["model_failure"] is None


async def test_a_malformed_tool_call_comes_back_as_a_tool_error_the_model_fixes(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.script(
        "answer",
        Reply(tool_calls=(ToolCallSpec("search_knowledge_base", "{query: reset"),)),
        Reply(tool_calls=(tool_call("search_knowledge_base", query="reset password"),)),
        Reply("Fixed it [reset-password]."),
    )
    values = await live.say("malformed", "How do I reset my password?")
    assert values["messages"][-1].content == "Fixed it [reset-password]."
    second = stub.of_kind("answer")[1].body["messages"]
    assert second[-1]["role"] == "tool" and "not valid JSON" in second[-1]["content"]


async def test_an_unknown_tool_and_a_bad_argument_are_tool_errors_and_parallel_calls_work(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.script(
        "answer",
        Reply(tool_calls=(tool_call("delete_account"), tool_call("list_my_tickets", status="bogus"))),
        Reply(
            tool_calls=(
                tool_call("search_knowledge_base", query="reset password"),
                tool_call("list_my_tickets", status="open"),
            )
        ),
        Reply("Both done [reset-password]."),
    )
    values = await live.say("tools", "How do I reset my password? And my tickets?")
    assert values["messages"][-1].content == "Both done [reset-password]."
    results = [m for m in values["messages"] if isinstance(m, ToolMessage)]
    assert len(results) == 4
    assert "not a valid tool" in str(results[0].content) and results[0].status == "error"
    assert "status" in str(results[1].content) and results[1].status == "error"
    assert "id=reset-password" in str(results[2].content) and results[3].status != "error"


async def test_a_cut_off_answer_is_replaced_by_the_offline_answer(live: Harness, stub: OpenAIStub) -> None:
    stub.script("answer", Reply("To reset your pass", finish_reason="length"))
    values = await live.say("length", "How do I reset my password?")
    assert "To reset your pass" not in str(values["messages"][-1].content)
    assert values["answered_by"] == "offline" and values["model_failure"] == "primary:length"


async def test_nothing_grounded_after_a_content_filter_hands_off_in_the_customers_language(
    live: Harness, stub: OpenAIStub
) -> None:
    stub.defaults["intent"] = Reply(json.dumps({"intent": "technical_issue", "confidence": 0.9}))
    stub.script("answer", Reply("", finish_reason="content_filter"))
    values = await live.say("filtered", "Mi impresora de tinta morada canta ópera por la noche, ¿por qué?")
    assert values["answered_by"] == "handoff" and values["model_failure"] == "primary:content_filter"
    assert values["escalation"]["reason"] == "model_unavailable"
    notice = str(values["messages"][-1].content)
    assert notice.startswith(load_phrases("es")["model_unavailable"])
    [event] = _events(live.url, "filtered")
    assert event["escalated"] and event["answered_by"] == "handoff"


async def test_a_hung_intent_call_falls_back_to_the_local_classifier(
    live: Harness, stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_INTENT_TIMEOUT_S", "1")
    clear_model_caches()
    analyzer = get_analyzer()
    await asyncio.to_thread(analyzer.warm_up)  # local models loaded first: the measured time is the call's
    await asyncio.to_thread(lambda: analyzer.intent_classifier)
    stub.requests.clear()
    stub.script("intent", Reply(hang_s=60))
    stub.script("answer", Reply("Use Forgot password [reset-password]."))
    started = time.monotonic()
    values = await live.say("intent-hang", "How do I reset my password?")
    assert time.monotonic() - started < 1 + 10
    assert len(stub.of_kind("intent")) == 1  # one short attempt, no retries
    assert values["intent"]  # from the embedding classifier
    assert values["messages"][-1].content == "Use Forgot password [reset-password]."
