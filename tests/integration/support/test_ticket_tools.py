"""The ticket and profile tools run through LangGraph's ToolNode with identity from the run context."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from psycopg_pool import AsyncConnectionPool

from graph.state import Context
from support.customers import upsert_customer
from support.tickets import create_ticket, get_ticket, ticket_events
from tools.customers import get_customer_profile
from tools.tickets import TICKET_TOOLS
from tools.tickets import create_ticket as create_ticket_tool

TOOLS = [*TICKET_TOOLS, get_customer_profile]


async def call(customer_id: str, name: str, args: dict[str, Any], *, thread_id: str = "th-tools") -> str:
    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("tools", ToolNode(TOOLS))
    builder.add_edge(START, "tools")
    graph = builder.compile()
    call_message = AIMessage(content="", tool_calls=[{"id": "call-1", "name": name, "args": args}])
    result = await graph.ainvoke(
        {"messages": [call_message]},
        {"configurable": {"thread_id": thread_id}},
        context=Context(customer_id=customer_id),
    )
    message = result["messages"][-1]
    assert isinstance(message, ToolMessage)
    return str(message.content)


def test_model_never_sees_identity_arguments() -> None:
    for tool in TOOLS:
        fields = set(tool.tool_call_schema.model_json_schema().get("properties", {}))
        assert not fields & {"runtime", "customer_id", "tenant"}, tool.name
    assert set(create_ticket_tool.tool_call_schema.model_json_schema()["properties"]) == {
        "subject",
        "description",
        "category",
    }


async def test_lookup_and_list_only_own_tickets(support_pool: AsyncConnectionPool) -> None:
    alice = await create_ticket(support_pool, tenant="default", customer_id="alice", subject="Alice's router")
    bob = await create_ticket(support_pool, tenant="default", customer_id="bob", subject="Bob's secret order")

    own = await call("alice", "lookup_ticket", {"ticket_id": alice["id"]})
    assert alice["id"] in own and "Alice's router" in own
    foreign = await call("alice", "lookup_ticket", {"ticket_id": bob["id"]})
    missing = await call("alice", "lookup_ticket", {"ticket_id": "T-999999"})
    assert "secret" not in foreign
    # indistinguishable from a ticket that does not exist
    assert foreign.replace(bob["id"], "X") == missing.replace("T-999999", "X")

    listing = await call("alice", "list_my_tickets", {})
    assert alice["id"] in listing and bob["id"] not in listing
    assert "no resolved tickets" in await call("alice", "list_my_tickets", {"status": "resolved"})
    # A status the schema does not offer comes back to the model as an error naming the field and the choices.
    unknown = await call("alice", "list_my_tickets", {"status": "everything"})
    assert "status: Input should be" in unknown and "'resolved'" in unknown and "fix the error" in unknown
    assert "anonymous" in await call("anonymous", "list_my_tickets", {})


async def test_create_ticket_uses_context_identity_and_thread(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(support_pool, tenant="default", customer_id="carol", name="Carol", tier="enterprise")
    reply = await call(
        "carol",
        "create_ticket",
        {"subject": "Invoice wrong", "description": "VAT missing", "category": "billing"},
        thread_id="th-carol",
    )
    ticket_id = reply.split("Created ticket ")[1].split(" ")[0]
    ticket = await get_ticket(support_pool, "default", ticket_id, customer_id="carol")
    assert ticket is not None
    assert (ticket["thread_id"], ticket["team"], ticket["priority"]) == ("th-carol", "billing", "high")
    assert "subject" in await call("carol", "create_ticket", {"subject": "  ", "description": "x"})


async def test_update_ticket_rules(support_pool: AsyncConnectionPool) -> None:
    alice = await create_ticket(support_pool, tenant="default", customer_id="alice", subject="A")
    bob = await create_ticket(support_pool, tenant="default", customer_id="bob", subject="B")

    assert "updated" in await call("alice", "update_ticket", {"ticket_id": alice["id"], "comment": "More info"})
    assert "pending" in await call("alice", "update_ticket", {"ticket_id": alice["id"], "status": "pending"})
    back = await call("alice", "update_ticket", {"ticket_id": alice["id"], "status": "customer_reply"})
    assert "status open" in back
    refused = await call("alice", "update_ticket", {"ticket_id": alice["id"], "status": "closed"})
    assert "status: Input should be 'pending' or 'customer_reply'" in refused  # a customer cannot close it
    assert (await get_ticket(support_pool, "default", alice["id"]))["status"] == "open"  # type: ignore[index]

    foreign = await call("alice", "update_ticket", {"ticket_id": bob["id"], "comment": "hacked"})
    assert "not found" in foreign
    assert [e["kind"] for e in await ticket_events(support_pool, "default", bob["id"])] == ["created"]


async def test_profile_is_the_callers(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(
        support_pool,
        tenant="default",
        customer_id="dave",
        name="Dave",
        tier="premium",
        language="de",
        preferences={"contact": "email"},
    )
    await create_ticket(support_pool, tenant="default", customer_id="dave", subject="x")
    profile = await call("dave", "get_customer_profile", {})
    assert "Dave" in profile and "premium" in profile and "de" in profile and "contact: email" in profile
    assert "T-" in profile
    assert "No profile" in await call("erin", "get_customer_profile", {})
