"""Wires the support graph: classify -> retrieve -> respond (tool loop) | escalate -> remember -> summarize.

``graph`` (compiled without checkpointer or store: the server and ``langgraph dev`` inject theirs) is what
langgraph.json serves as graph id ``support``. Tests call ``build_graph(model=fake, checkpointer=..., store=...)``.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.store.base import BaseStore

from graph.article_text import fetch_article_bodies
from graph.internal_usage import add_to_recorded_turn
from graph.model_placeholders import placeholders_in_tool_results
from graph.models import ModelChoice
from graph.nodes.classify import classify
from graph.nodes.escalate import make_escalate
from graph.nodes.human import make_await_human
from graph.nodes.remember import make_remember
from graph.nodes.respond import make_respond
from graph.nodes.retrieve import make_retrieve
from graph.nodes.summarize import make_summarize
from graph.routing import after_human, after_remember, after_respond, after_retrieve
from graph.state import Context, InputState, State
from prompts.loader import preload as preload_prompts

SupportGraph = CompiledStateGraph[State, Context, InputState, State]


async def _repeat_contact(tenant: str, customer_id: str, intent: str | None, thread_id: str | None) -> bool:
    from support.handoff import repeat_contact_open_issue

    return await repeat_contact_open_issue(tenant, customer_id, intent, thread_id=thread_id)


def build_graph(
    *,
    checkpointer: BaseCheckpointSaver[str] | None = None,
    store: BaseStore | None = None,
    model: BaseChatModel | None = None,
    upkeep_model: BaseChatModel | None = None,
) -> SupportGraph:
    """The compiled support graph.

    Args:
        checkpointer: Where threads are saved (None: the server's, or none).
        store: Long-term memory store (None: the server's, or no memory).
        model: A chat model for every run instead of LLM_MODEL / ``Context.model`` (tests pass a scripted fake).
        upkeep_model: With ``model``, the model for summaries and memory extraction (None: offline rules).
    """
    from support.conversation_text import index_messages
    from support.events import record_turn
    from support.handoff import open_handoff
    from support.inbox_resume import record_direct_resume
    from support.outcomes import confirm_resolution
    from tools.customers import get_customer_profile
    from tools.knowledge import search_knowledge_base
    from tools.tickets import create_ticket, list_my_tickets, lookup_ticket, update_ticket

    models = ModelChoice(override=model, upkeep_override=upkeep_model)
    lookups = [search_knowledge_base, lookup_ticket]
    answer_tools = [*lookups, list_my_tickets, create_ticket, update_ticket, get_customer_profile]

    builder = StateGraph(State, input_schema=InputState, context_schema=Context)
    builder.add_node("classify", classify)
    # list_my_tickets answers a ticket question that names no ticket ("is there a ticket for my double charge?").
    builder.add_node("retrieve", make_retrieve([*lookups, list_my_tickets], _repeat_contact))
    # No node retries: graph/answer.py bounds the answer's retries and fallbacks by one deadline.
    builder.add_node("respond", make_respond(models, answer_tools, fetch_article_bodies))
    builder.add_node(
        "tools", ToolNode(answer_tools, handle_tool_errors=True, awrap_tool_call=placeholders_in_tool_results)
    )
    builder.add_node("escalate", make_escalate(open_handoff))
    builder.add_node("await_human", make_await_human(record_direct_resume))
    builder.add_node(
        "remember",
        make_remember(models, record_turn, confirm_resolution, add_to_recorded_turn, index_messages=index_messages),
    )
    builder.add_node("summarize", make_summarize(models, add_to_recorded_turn))

    builder.add_edge(START, "classify")
    builder.add_edge("classify", "retrieve")
    builder.add_conditional_edges("retrieve", after_retrieve)
    builder.add_conditional_edges("respond", after_respond)
    builder.add_edge("tools", "respond")
    builder.add_edge("escalate", "remember")
    builder.add_conditional_edges("remember", after_remember)
    builder.add_conditional_edges("await_human", after_human)
    builder.add_edge("summarize", END)
    return builder.compile(checkpointer=checkpointer, store=store, name="support")


# `langgraph dev` (Studio) refuses blocking calls on the event loop: the prompt files are read while importing.
preload_prompts()
graph = build_graph()
