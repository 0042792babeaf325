"""The respond tool loop with a scripted tool-calling model: real ToolNode, real tools, real KB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from agentevals.graph_trajectory.strict import graph_trajectory_strict_match
from agentevals.graph_trajectory.utils import aextract_langgraph_trajectory_from_thread
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from tests.integration.graph.conftest import Harness, open_harness
from tests.scripted_chat import ScriptedChatModel

pytestmark = pytest.mark.integration


def _call(name: str, call_id: str, **args: object) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": dict(args), "id": call_id}])


def _answer_from_tool(messages: list[BaseMessage]) -> AIMessage:
    result = next(m for m in reversed(messages) if isinstance(m, ToolMessage))
    assert "id=cancel-subscription" in str(result.content)  # the real KB answered the model's own query
    return AIMessage("Go to Settings > Billing and click Cancel plan [cancel-subscription].")


@pytest.fixture
def fake() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
async def scripted(graph_db: str, fake: ScriptedChatModel) -> AsyncIterator[Harness]:
    async for opened in open_harness(graph_db, model=fake):
        yield opened


async def test_model_searches_the_kb_itself_and_cites_what_it_found(scripted: Harness, fake: ScriptedChatModel) -> None:
    fake.script += [_call("search_knowledge_base", "k1", query="cancel subscription"), _answer_from_tool]
    values = await scripted.say("loop", "I want to stop paying for this thing")
    assert values["messages"][-1].content.endswith("[cancel-subscription].")
    assert values["tool_rounds"] == 1
    assert "search_knowledge_base" in fake.tools_seen[0] and "list_my_tickets" in fake.tools_seen[0]
    extracted = await aextract_langgraph_trajectory_from_thread(scripted.graph, scripted.config("loop"))
    expected = [["__start__", "classify", "retrieve", "respond", "tools", "respond", "remember"]]
    assert graph_trajectory_strict_match(outputs=extracted["outputs"], reference_outputs={"steps": expected})["score"]


async def test_tool_rounds_are_capped_then_the_model_must_answer(scripted: Harness, fake: ScriptedChatModel) -> None:
    fake.script += [_call("list_my_tickets", f"c{i}") for i in range(3)] + [AIMessage("You have no tickets.")]
    values = await scripted.say("capped", "show my tickets")
    assert values["messages"][-1].content == "You have no tickets."
    assert [bool(tools) for tools in fake.tools_seen] == [True, True, True, False]
    tool_results = [m for m in values["messages"] if isinstance(m, ToolMessage)]
    assert len(tool_results) == 3 and all("no tickets" in str(m.content) for m in tool_results)


async def test_tools_take_identity_from_the_run_not_from_the_model(scripted: Harness, fake: ScriptedChatModel) -> None:
    from support.tickets import create_ticket

    mine = await create_ticket(None, tenant="default", customer_id="alice", subject="Alice's printer")
    fake.script += [_call("lookup_ticket", "x1", ticket_id=mine["id"], customer_id="alice"), AIMessage("done")]
    values = await scripted.say("mallory", "look up that ticket", customer="mallory")
    result = next(m for m in values["messages"] if isinstance(m, ToolMessage))
    assert "Alice's printer" not in str(result.content)


async def test_a_model_failure_is_answered_by_the_offline_responder_and_the_thread_stays_usable(
    scripted: Harness, fake: ScriptedChatModel
) -> None:
    def flaky(messages: list[BaseMessage]) -> AIMessage:
        raise ConnectionError("upstream reset")

    fake.script += [flaky, AIMessage("Recovered answer.")]
    values = await scripted.say("retry", "How do I reset my password?")
    assert values["answered_by"] == "offline" and values["model_failure"] == "primary:ConnectionError"
    assert "[" in str(values["messages"][-1].content)  # a grounded answer citing the article
    values = await scripted.say("retry", "And how do I change my email?")
    assert values["messages"][-1].content == "Recovered answer." and values["answered_by"] == "primary"
    assert len(fake.prompts) == 2
