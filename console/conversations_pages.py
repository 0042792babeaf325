"""The conversations pages: search every thread, and read one with its signals, tool calls, citations and outcome."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.access import Staff, need
from console.conversation_search import THREAD_STATUSES, ConversationQuery, known_intents, search_conversations
from console.pages import render
from console.threads import read_conversation
from server.routes.support_deps import PoolDep
from support.connections import fetch_one
from support.events import thread_events

router = APIRouter(prefix="/conversations")
Reader = Annotated[Staff, need("conversations.read")]


@router.get("", response_class=HTMLResponse)
async def conversations_page(
    request: Request,
    staff: Reader,
    pool: PoolDep,
    customer: str = "",
    intent: str = "",
    status: str = "",
    since: date | None = None,
    until: date | None = None,
    text: str = "",
) -> HTMLResponse:
    """Threads matching the filters, most recently active first."""
    query = ConversationQuery(customer, intent, status, since, until, text)
    tenant = staff.identity.tenant
    return render(
        request,
        "conversations.html",
        staff,
        active="conversations",
        query=query,
        rows=await search_conversations(pool, tenant, query),
        intents=await known_intents(pool, tenant),
        statuses=THREAD_STATUSES,
    )


@router.get("/{thread_id}", response_class=HTMLResponse)
async def conversation_page(request: Request, thread_id: str, staff: Reader, pool: PoolDep) -> HTMLResponse:
    """One conversation: transcript (tool calls and citations expandable), signals, per-turn events, outcome."""
    conversation = await read_conversation(request, thread_id)
    if not conversation.found:
        return render(request, "not_found.html", staff, status_code=404, what=f"conversation {thread_id}")
    tenant = staff.identity.tenant
    outcome = await fetch_one(
        pool, "SELECT * FROM conversation_outcomes WHERE thread_id = %s AND tenant = %s", (thread_id, tenant)
    )
    return render(
        request,
        "conversation.html",
        staff,
        active="conversations",
        conversation=conversation,
        events=await thread_events(pool, tenant, thread_id),
        outcome=outcome,
        handoff={},
    )
