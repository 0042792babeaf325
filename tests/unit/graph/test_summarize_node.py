from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage
from langchain_core.messages.utils import count_tokens_approximately
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime

from graph.models import ModelChoice
from graph.nodes.summarize import make_summarize
from graph.state import Context, State
from tests.scripted_chat import ScriptedChatModel


def _long_thread() -> list[AnyMessage]:
    messages: list[AnyMessage] = []
    for i in range(25):
        messages.append(HumanMessage(f"My question number {i} is about invoices " + "and details " * 12, id=f"h{i}"))
        messages.append(AIMessage(f"Answer {i}: open Settings > Billing. " + "more text " * 12, id=f"a{i}"))
    return messages


async def test_offline_summary_folds_old_turns_and_keeps_the_latest() -> None:
    messages = _long_thread()
    update = await make_summarize(ModelChoice())(State(messages=messages), Runtime(context=Context()), {})
    removed = {m.id for m in update["messages"] if isinstance(m, RemoveMessage)}
    remaining = add_messages(messages, update["messages"])
    assert "h24" not in removed and remaining[-1].id == "a24"
    assert count_tokens_approximately(remaining) <= 600
    assert "My question number 0" in update["summary"]


async def test_llm_writes_the_summary_when_one_is_configured() -> None:
    upkeep = ScriptedChatModel(script=[AIMessage("Customer asked about invoices 25 times.")])
    choice = ModelChoice(override=ScriptedChatModel(), upkeep_override=upkeep)
    update = await make_summarize(choice)(
        State(messages=_long_thread(), summary="Earlier: login."), Runtime(context=Context()), {}
    )
    assert update["summary"] == "Customer asked about invoices 25 times."
    prompt = str(upkeep.prompts[0][0].content)
    assert "Earlier: login." in prompt and "Customer: My question number 0" in prompt


async def test_short_threads_are_left_alone() -> None:
    messages: list[AnyMessage] = [HumanMessage("hi", id="h")]
    assert await make_summarize(ModelChoice())(State(messages=messages), Runtime(context=Context()), {}) == {}
