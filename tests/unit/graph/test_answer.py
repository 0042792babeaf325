"""The answer's fallback chain against the scripted OpenAI-compatible server, over real HTTP (langchain-openai)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langchain_openai import ChatOpenAI

from graph.answer import answer_with_fallbacks
from graph.models import AnswerStep
from graph.nodes.respond import tool_call_errors
from tests.openai_stub import OpenAIStub, Reply, ToolCallSpec, error

PROMPT: list[BaseMessage] = [HumanMessage("How do I reset my password?")]


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def _remote(stub: OpenAIStub, role: str = "primary", model: str = "stub-primary") -> AnswerStep:
    chat = ChatOpenAI(model=model, base_url=stub.base_url, api_key="sk-test", max_retries=2, timeout=30)
    return AnswerStep(role, f"openai:{model}", chat, remote=True)  # type: ignore[arg-type]


OFFLINE = AnswerStep("offline", "offline", RunnableLambda(lambda _: AIMessage("Offline answer.")), remote=False)


async def test_the_primary_answers_and_the_request_is_recorded(stub: OpenAIStub) -> None:
    stub.script("answer", Reply("Click Forgot password."))
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=10)
    assert outcome.message is not None and outcome.message.content == "Click Forgot password."
    assert outcome.step is not None and outcome.step.role == "primary" and outcome.failures == ()
    assert stub.requests[0].body["messages"][-1]["content"] == "How do I reset my password?"


async def test_http_500_is_retried_by_the_client_then_the_offline_responder_answers(stub: OpenAIStub) -> None:
    stub.script("answer", *[error(500)] * 3)
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=20)
    assert len(stub.requests) == 3  # 1 call + max_retries=2
    assert outcome.message is not None and outcome.message.content == "Offline answer."
    assert outcome.failures == ("primary:http_500",)
    assert outcome.seconds < 10


async def test_429_with_retry_after_is_honoured_within_the_deadline(stub: OpenAIStub) -> None:
    stub.script("answer", error(429, retry_after=1), Reply("After the wait."))
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=10)
    assert outcome.message is not None and outcome.message.content == "After the wait."
    first, second = stub.requests
    assert second.at - first.at >= 0.9
    assert outcome.failures == ()


async def test_a_hung_model_is_cut_off_by_the_deadline_retries_included(stub: OpenAIStub) -> None:
    stub.script("answer", *[Reply(hang_s=60)] * 3)
    started = time.monotonic()
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=2)
    assert time.monotonic() - started < 3.5
    assert outcome.failures == ("primary:timeout",)
    assert outcome.message is not None and outcome.message.content == "Offline answer."


async def test_the_fallback_model_answers_within_what_is_left_of_the_deadline(stub: OpenAIStub) -> None:
    stub.script("answer", Reply(hang_s=60), Reply("From the fallback."))
    steps = [_remote(stub), _remote(stub, "fallback", "stub-fallback"), OFFLINE]
    started = time.monotonic()
    outcome = await answer_with_fallbacks(PROMPT, steps, deadline_s=3)
    assert time.monotonic() - started < 3.5
    assert outcome.step is not None and outcome.step.role == "fallback"
    assert outcome.failures == ("primary:timeout",)
    assert [r.body["model"] for r in stub.requests] == ["stub-primary", "stub-fallback"]


@pytest.mark.parametrize("finish", ["length", "content_filter"])
async def test_a_cut_off_or_filtered_answer_is_not_shown(stub: OpenAIStub, finish: str) -> None:
    stub.script("answer", Reply("Half an answ", finish_reason=finish))
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=10)
    assert outcome.failures == (f"primary:{finish}",)
    assert outcome.message is not None and outcome.message.content == "Offline answer."


async def test_nothing_answers_when_every_step_fails(stub: OpenAIStub) -> None:
    stub.script("answer", *[error(503)] * 3)
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub)], deadline_s=10)
    assert outcome.message is None and outcome.failures == ("primary:http_503",)


async def test_a_malformed_tool_call_becomes_a_tool_error_the_model_can_fix(stub: OpenAIStub) -> None:
    stub.script("answer", Reply(tool_calls=(ToolCallSpec("search_knowledge_base", "{query: reset"),)))
    outcome = await answer_with_fallbacks(PROMPT, [_remote(stub), OFFLINE], deadline_s=10)
    assert outcome.message is not None and outcome.step is not None and outcome.step.role == "primary"
    assert not outcome.message.tool_calls and outcome.message.invalid_tool_calls
    answer, errors = tool_call_errors(outcome.message)
    assert [e.tool_call_id for e in errors] == [c["id"] for c in answer.invalid_tool_calls]
    assert errors[0].status == "error" and "not valid JSON" in str(errors[0].content)
