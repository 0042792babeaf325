"""retrieve: gather what the answer may use -- KB articles, the customer's tickets, and their long-term memory.

The knowledge and ticket lookups are real tool calls run through the prebuilt ToolNode, so the tools get
their identity from the run (ToolRuntime) exactly as in the model's own tool loop.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime

from graph.memory import get_memory_writer, memory_namespace, recall_memories
from graph.memory_extract import NON_ISSUE_INTENTS
from graph.messages import last_human_text, previous_human_text, text_of
from graph.model_placeholders import placeholders_in_tool_results
from graph.offline.cues import asks_about_memory, content_words, is_ticket_question, ticket_ids
from graph.state import Context, MemoryFact, RetrievedArticle, State, TicketRef
from tools.tickets import ANONYMOUS, UNAVAILABLE

NOT_A_QUESTION = frozenset({"greeting", "talk_to_human"})
"""Intents whose messages are not questions the KB could fail to answer (off-topic questions still count)."""
FOLLOW_UP_WORDS = 5
MEMORY_SETTLE_S = 5.0
"""How long a run waits for this customer's memory update from their previous message (usually milliseconds)."""
"""A message with fewer content words is searched together with the previous one ("and on Android?")."""
CLOSED_STATUSES = frozenset({"resolved", "closed", "not found", "unavailable"})
_TICKET_HEAD = re.compile(r"^Ticket (?P<id>T-\d+): (?P<subject>.*)$", re.MULTILINE)
_TICKET_STATUS = re.compile(r"^Status: (?P<status>[\w ]+?)\s*(?:\||$)", re.MULTILINE)
_TICKET_LINE = re.compile(r"^(?P<id>T-\d+) \[(?P<status>[\w ]+),[^\]]*\] (?P<subject>.*?)(?: \(updated [^)]*\))?$")

RepeatCheck = Callable[[str, str, str | None, str | None], Awaitable[bool]]


def _call(name: str, **args: Any) -> ToolCall:
    return ToolCall(name=name, args=args, id=f"retrieve_{name}_{uuid.uuid4().hex[:10]}")


def search_query(state: State) -> str:
    """What to search the KB for: the latest message, with the previous one when it is a short follow-up."""
    text = last_human_text(state.messages)
    previous = previous_human_text(state.messages)
    if previous and content_words(text) < FOLLOW_UP_WORDS and not state.resolved:
        return f"{previous}\n{text}"
    return text


def plan_calls(state: State, tool_names: set[str]) -> list[ToolCall]:
    """The lookups this turn needs: KB search unless it is only a greeting or a thank-you, and the tickets it names.

    A question about tickets that names none ("is there a ticket for my double charge?") gets the customer's
    tickets, with the one it describes in full (list_my_tickets ``about``), instead of the tickets still open
    from earlier turns.
    """
    text = last_human_text(state.messages)
    calls: list[ToolCall] = []
    greeting_only = state.intent == "greeting" and content_words(text) <= 4
    if "search_knowledge_base" in tool_names and not state.resolved and not greeting_only:
        calls.append(_call("search_knowledge_base", query=search_query(state)))
    mentioned = ticket_ids(text)
    still_open = [t["id"] for t in state.tickets if t["id"] and t["status"].lower() not in CLOSED_STATUSES]
    if state.escalation and state.escalation.get("ticket_id"):
        still_open.append(str(state.escalation["ticket_id"]))
    if not mentioned and is_ticket_question(text, state.intent) and "list_my_tickets" in tool_names:
        calls.append(_call("list_my_tickets", about=text))
        still_open = []
    if "lookup_ticket" in tool_names:
        for ticket_id in dict.fromkeys([*mentioned, *still_open]):
            calls.append(_call("lookup_ticket", ticket_id=ticket_id))
    return calls


def _articles(artifact: dict[str, Any]) -> list[RetrievedArticle]:
    return [
        RetrievedArticle(
            id=str(hit["article_id"]),
            title=str(hit.get("title", "")),
            score=float(hit.get("score", 0.0)),
            snippet=str(hit.get("snippet", "")),
            chunk_id=str(hit.get("chunk_id") or hit["article_id"]),
            untrusted=bool(hit.get("untrusted", False)),
        )
        for hit in artifact.get("hits", [])
    ]


def parse_ticket_text(text: str, asked_id: str | None) -> list[TicketRef]:
    """Ticket facts from lookup_ticket / list_my_tickets output (kept verbatim in ``details``)."""
    if head := _TICKET_HEAD.search(text):
        status = _TICKET_STATUS.search(text)
        return [
            TicketRef(id=head["id"], status=status["status"] if status else "", subject=head["subject"], details=text)
        ]
    lines = [m for line in text.splitlines() if (m := _TICKET_LINE.match(line.strip()))]
    if lines:
        return [TicketRef(id=m["id"], status=m["status"], subject=m["subject"], details=m.group(0)) for m in lines]
    if text.strip() in (UNAVAILABLE, ANONYMOUS):
        return [TicketRef(id=asked_id.upper() if asked_id else "", status="unavailable", subject="", details=text)]
    if asked_id:
        return [TicketRef(id=asked_id.upper(), status="not found", subject="", details=text)]
    return [TicketRef(id="", status="none", subject="", details=text)]


def make_retrieve(tools: Sequence[BaseTool], repeat_check: RepeatCheck | None = None) -> Any:
    """The retrieve node over ``tools`` (search_knowledge_base, lookup_ticket)."""
    tool_node = ToolNode(list(tools), handle_tool_errors=True, awrap_tool_call=placeholders_in_tool_results)
    names = {tool.name for tool in tools}

    async def retrieve(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict[str, Any]:
        """Run the lookups, recall memory, and track low-confidence answers."""
        context = runtime.context
        calls = plan_calls(state, names)
        results: list[ToolMessage] = []
        if calls:
            request = AIMessage(content="", tool_calls=calls)
            tool_input = {
                "messages": [request],
                "intent": state.intent,
                "language": state.language,
                "urgency": state.urgency,
            }
            output = await tool_node.ainvoke(tool_input, config)
            results = [m for m in output["messages"] if isinstance(m, ToolMessage)]
        update: dict[str, Any] = {}
        by_id = {call["id"]: call for call in calls}
        tickets: list[TicketRef] = []
        searched = False
        for message in results:
            call = by_id.get(message.tool_call_id)
            if call is None:
                continue
            if call["name"] == "search_knowledge_base":
                searched = True
                artifact = message.artifact if isinstance(message.artifact, dict) else {}
                update["articles"] = _articles(artifact)
                update["kb_confidence"] = float(artifact.get("top_score", 0.0))
            else:
                tickets += parse_ticket_text(text_of(message), call["args"].get("ticket_id"))
        if not searched:
            update["articles"] = []
            update["kb_confidence"] = 0.0
        update["tickets"] = list({ticket["id"]: ticket for ticket in tickets}.values())
        memories: list[MemoryFact] = []
        if runtime.store is not None:
            namespace = memory_namespace(context.tenant, context.customer_id)
            await get_memory_writer().settled(namespace, timeout_s=MEMORY_SETTLE_S)
            memories = await recall_memories(runtime.store, namespace)
        update["memories"] = memories
        question = last_human_text(state.messages)
        # Nothing to answer from: the KB is unsure, no ticket was named, and it is not about what we remember.
        unsure = (
            searched
            and state.intent not in NOT_A_QUESTION
            and update["kb_confidence"] < _threshold()
            and not tickets
            and not (memories and asks_about_memory(question))
        )
        update["low_confidence_streak"] = state.failed_answers + 1 if unsure else 0
        # Asking how a ticket is going is not contacting us again about the issue: the answer is its status.
        status_question = is_ticket_question(question, state.intent)
        if (
            repeat_check is not None
            and state.turn_count == 1
            and state.intent not in NON_ISSUE_INTENTS
            and not status_question
        ):
            thread_id = (config.get("configurable") or {}).get("thread_id")
            update["repeat_contact"] = await repeat_check(context.tenant, context.customer_id, state.intent, thread_id)
        return update

    return retrieve


def _threshold() -> float:
    from settings import get_settings

    return get_settings().kb_low_confidence
