"""Live-LLM mode through the real server: only the answer's tokens stream to the client; analytics reports the model.

The model is the scripted OpenAI-compatible server on loopback, reached by the server process over HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from prompts.loader import load_phrases
from server.launcher import ServerProcess
from tests.openai_stub import OpenAIStub, Reply, ToolCallSpec, error, tool_call
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration

ANSWER = "Open the sign-in page and choose Forgot password to reset it."
INTENT = {"intent": "account_access", "confidence": 0.9}
FACTS = {"facts": [{"kind": "product", "subject": "app", "text": "You use the web app."}]}


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        # No tokens reported for the internal calls: the figures below are the answer's alone.
        server.defaults["intent"] = Reply(json.dumps(INTENT), usage=(0, 0, 0))
        server.defaults["memory"] = Reply(json.dumps(FACTS), usage=(0, 0, 0))
        yield server


@pytest.fixture
def llm_server(stub: OpenAIStub, server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return _llm_server(stub, server_factory, seed=False)


def _llm_server(stub: OpenAIStub, server_factory: Callable[..., ServerProcess], *, seed: bool) -> ServerProcess:
    return server_factory(
        seed=seed,
        LLM_MODEL="openai:stub-model",
        OPENAI_BASE_URL=stub.base_url,
        OPENAI_API_KEY="sk-test-not-used",
        LLM_TIMEOUT_S="5",
        LLM_PRICE_INPUT_PER_MTOK="1.0",
        LLM_PRICE_OUTPUT_PER_MTOK="4.0",
    )


async def _stream(
    server: ServerProcess, text: str, customer: str, thread_id: str | None = None
) -> tuple[str, list[str], dict[str, Any], str]:
    """One turn streamed as messages-tuple, values and updates: (streamed text, chunks, last values, thread).

    A new thread unless ``thread_id`` is given.
    """
    client = get_client(url=server.url, headers=server.headers)
    thread_id = thread_id or (await client.threads.create())["thread_id"]
    chunks: list[str] = []
    values: dict[str, Any] = {}
    async for part in client.runs.stream(
        thread_id,
        "support",
        input=ask(text),
        context={"customer_id": customer},
        stream_mode=["messages-tuple", "values", "updates"],
    ):
        kind = part.event.split("|")[0]
        if kind == "messages" and isinstance(part.data, list):
            message = part.data[0]
            if message.get("type") in ("ai", "AIMessageChunk") and isinstance(message.get("content"), str):
                chunks.append(message["content"])
        elif kind == "values" and isinstance(part.data, dict):
            values = part.data
        elif kind == "error":
            raise AssertionError(f"the client saw an error event: {part.data}")
    return "".join(chunks), chunks, values, thread_id


async def test_only_the_answer_streams_to_the_customer(llm_server: ServerProcess, stub: OpenAIStub) -> None:
    stub.script("answer", Reply(ANSWER))
    streamed, chunks, values, _ = await _stream(llm_server, "How do I reset my password?", "stream-customer")
    assert streamed == ANSWER and len(chunks) > 3  # token by token, nothing else
    for leaked in ('"intent"', "account_access", '"facts"', "confidence", "web app"):
        assert leaked not in streamed
    # Untagged, the intent call's whole message would reach the messages stream when it ends (LangGraph emits it).
    assert stub.of_kind("intent") and stub.of_kind("answer")
    # The values stream stays complete: the internal calls' results are in the state.
    assert values["intent"] == "account_access" and values["messages"][-1]["content"] == ANSWER
    answer_request = stub.of_kind("answer")[0].body
    assert answer_request["stream"] is True and answer_request["stream_options"] == {"include_usage": True}


async def test_a_failing_model_gives_a_plain_message_and_analytics_reports_the_model(
    llm_server: ServerProcess, stub: OpenAIStub
) -> None:
    stub.script("answer", Reply(ANSWER, usage=(1000, 50, 400)))
    await _stream(llm_server, "How do I reset my password?", "cost-customer")
    stub.script("answer", *[error(500)] * 3)
    _, _, values, _ = await _stream(llm_server, "My order never arrived, where is it?", "cost-customer")
    final = str(values["messages"][-1]["content"])
    assert "error" not in final.lower() and "{" not in final
    assert values["answered_by"] in ("offline", "handoff") and values["model_failure"] == "primary:http_500"
    if values["answered_by"] == "handoff":
        assert final.startswith(load_phrases("en")["model_unavailable"])
    async with httpx.AsyncClient(base_url=llm_server.url, headers=llm_server.headers) as http:
        response = await http.get("/analytics")
    assert response.status_code == 200, response.text
    model = response.json()["model"]
    assert model["turns"] == 2 and model["conversations"] == 2 and model["turns_with_failures"] == 1
    assert model["failures"] == {"primary:http_500": 1}
    assert model["answered_by"]["primary"] == 1
    stub_row = next(row for row in model["by_model"] if row["model"] == "openai:stub-model")
    assert (stub_row["input_tokens"], stub_row["output_tokens"], stub_row["cached_tokens"]) == (1000, 50, 400)
    assert model["cost_usd"] == pytest.approx((600 * 1.0 + 50 * 4.0 + 400 * 1.0) / 1_000_000)
    assert model["cost_per_conversation_usd"] == pytest.approx(model["cost_usd"] / 2)


FAULTS: list[tuple[str, list[Reply], str | None, str | None]] = [
    # (name, the model's scripted answers, the failure recorded, the answer the customer reads when it is fixed)
    ("hang", [Reply(hang_s=120)] * 3, "primary:timeout", None),
    ("429", [error(429, retry_after=1), Reply("Answered after the wait.")], None, "Answered after the wait."),
    (
        "malformed tool call",
        [
            Reply(tool_calls=(ToolCallSpec("search_knowledge_base", "{query: reset"),)),
            Reply(tool_calls=(tool_call("search_knowledge_base", query="reset password"),)),
            Reply("Fixed it [reset-password]."),
        ],
        None,
        "Fixed it [reset-password].",
    ),
    (
        "unknown tool",
        [Reply(tool_calls=(tool_call("delete_account"),)), Reply("Done without it [reset-password].")],
        None,
        "Done without it [reset-password].",
    ),
    ("length", [Reply("To reset your pass", finish_reason="length")], "primary:length", None),
    ("content filter", [Reply("", finish_reason="content_filter")], "primary:content_filter", None),
]


async def test_every_model_fault_is_answered_through_the_server_and_the_thread_stays_usable(
    stub: OpenAIStub, server_factory: Callable[..., ServerProcess]
) -> None:
    """The failure matrix of graph/answer.py, as a client of the real server sees it (LLM_TIMEOUT_S=5).

    The KB is seeded, so where the model fails the offline responder has a grounded answer to give.
    """
    llm_server = _llm_server(stub, server_factory, seed=True)
    for name, replies, failure, fixed in FAULTS:
        stub.script("answer", *replies)
        started = time.monotonic()
        _, _, values, thread_id = await _stream(llm_server, "How do I reset my password?", f"fault-{name[:3]}")
        elapsed = time.monotonic() - started
        final = str(values["messages"][-1]["content"])
        assert elapsed < 5 + 10, (name, elapsed)  # the deadline bounds the turn, retries included
        assert values["model_failure"] == failure, (name, values["model_failure"])
        assert final and "error" not in final.lower() and "{" not in final, (name, final)
        if fixed is not None:
            assert final == fixed and values["answered_by"] == "primary", (name, final)
        else:
            assert values["answered_by"] == "offline" and "reset-password" in final, (name, values["answered_by"])
        assert "To reset your pass" not in final
        stub.unscript("answer")  # a hang cut off at the deadline leaves scripted replies unused
        stub.script("answer", Reply("Here is my answer."))
        _, _, after, _ = await _stream(llm_server, "And how do I change my email?", f"fault-{name[:3]}", thread_id)
        assert after["answered_by"] == "primary" and after["messages"][-1]["content"] == "Here is my answer.", name
