"""The inbox pages: the queue, one handoff with its conversation and customer, and the person's actions.

Actions go through the inbox API's own functions (same checks, same audit log, same thread resume); the role is
checked here first, so an action the role may not take is 403 even when posted directly.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from console.access import Staff, need
from console.customer_values import with_customer_values
from console.customer_view import customer_view
from console.notes import private_notes
from console.pages import render
from console.presence import viewing
from console.threads import read_conversation
from server.routes import inbox as inbox_api
from server.routes.support_deps import PoolDep
from staff.accounts import StaffAccount, list_accounts
from support import inbox

router = APIRouter(prefix="/inbox")
STATUSES = ("waiting", "claimed", "answered", "handed_back", "closed")
CANNED_REPLIES = (
    "Thanks for your patience, I'm looking into this now.",
    "I've passed this to the billing team; you'll hear from us within one working day.",
    "Could you tell me the order number, please?",
)
Reader = Annotated[Staff, need("inbox.read")]


def _statuses(status: str | None) -> tuple[str, ...]:
    return (status,) if status in STATUSES else inbox.PAUSED


@router.get("", response_class=HTMLResponse)
async def queue_page(
    request: Request, staff: Reader, pool: PoolDep, status: str | None = None, team: str | None = None
) -> HTMLResponse:
    """The queue: most urgent first, then the longest waiting, with each one's SLA clock."""
    items = await inbox.list_inbox(pool, staff.identity.tenant, statuses=_statuses(status), team=team or None)
    template = "inbox_queue.html" if request.headers.get("hx-target") == "queue" else "inbox.html"
    return render(
        request, template, staff, active="inbox", items=items, status=status or "", team=team or "", statuses=STATUSES
    )


@router.get("/{handoff_id}", response_class=HTMLResponse)
async def handoff_page(request: Request, handoff_id: int, staff: Reader, pool: PoolDep) -> HTMLResponse:
    """One handoff: the conversation with its signals, the customer sidebar and the actions."""
    tenant = staff.identity.tenant
    try:
        handoff = await inbox.get_handoff(pool, tenant, handoff_id)
    except inbox.HandoffNotFoundError:
        return render(request, "not_found.html", staff, status_code=404, what=f"handoff {handoff_id}")
    # Independent reads (the note's values, the transcript through the API, presence, staff, notes, the customer
    # sidebar) wait on Postgres and the API at the same time, not one after another.
    handoff, conversation, colleagues, people, notes, sidebar = await asyncio.gather(
        with_customer_values(staff.identity, tenant, handoff["customer_id"], handoff["thread_id"], handoff),
        read_conversation(request, handoff["thread_id"]),
        viewing(pool, tenant, handoff_id, staff.agent_name),
        _assignable_staff(pool, tenant, staff),
        private_notes(pool, tenant, handoff["ticket_id"]),
        customer_view(pool, tenant, handoff["customer_id"], reader=staff.identity, ticket_limit=10),
    )
    return render(
        request,
        "handoff.html",
        staff,
        active="inbox",
        handoff=handoff,
        conversation=conversation,
        colleagues=colleagues,
        people=people,
        canned=CANNED_REPLIES,
        notes=notes,
        **sidebar,
    )


async def _assignable_staff(pool: Any, tenant: str, staff: Staff) -> list[StaffAccount]:
    """The tenant's accounts, for whoever may assign a handoff (nobody else sees the list)."""
    if not staff.may("inbox.assign"):
        return []
    async with pool.connection() as conn:
        return await list_accounts(conn, tenant=tenant)


@router.get("/{handoff_id}/live", response_class=HTMLResponse)
async def live_part(request: Request, handoff_id: int, staff: Reader, pool: PoolDep) -> HTMLResponse:
    """What the page polls: the transcript as it is now, and who else has it open."""
    try:
        handoff = await inbox.get_handoff(pool, staff.identity.tenant, handoff_id)
    except inbox.HandoffNotFoundError:
        return render(request, "not_found.html", staff, status_code=404, what=f"handoff {handoff_id}")
    conversation = await read_conversation(request, handoff["thread_id"])
    colleagues = await viewing(pool, staff.identity.tenant, handoff_id, staff.agent_name)
    return render(
        request, "handoff_live.html", staff, handoff=handoff, conversation=conversation, colleagues=colleagues
    )


def _answer(request: Request, result: dict[str, Any] | JSONResponse) -> Response:
    """Success reloads the page (the state changed); a refusal shows the API's reason in the page."""
    if isinstance(result, JSONResponse):
        body = json.loads(bytes(result.body))
        return render(request, "action_error.html", None, status_code=result.status_code, message=body.get("message"))
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.post("/{handoff_id}/claim", response_model=None)
async def claim(
    request: Request, handoff_id: int, staff: Annotated[Staff, need("inbox.claim")], pool: PoolDep
) -> Response:
    """Take the handoff."""
    body = inbox_api.Claim(agent=staff.agent_name)
    return _answer(request, await inbox_api.claim(handoff_id, body, pool, staff.identity.tenant))


@router.post("/{handoff_id}/assign", response_model=None)
async def assign(
    request: Request,
    handoff_id: int,
    staff: Annotated[Staff, need("inbox.assign")],
    pool: PoolDep,
    agent: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    """Give the handoff to a colleague."""
    body = inbox_api.Claim(agent=agent)
    return _answer(request, await inbox_api.assign(handoff_id, body, pool, staff.identity.tenant, staff.identity))


@router.post("/{handoff_id}/reply", response_model=None)
async def reply(
    request: Request,
    handoff_id: int,
    staff: Annotated[Staff, need("inbox.reply")],
    pool: PoolDep,
    text: Annotated[str, Form(min_length=1, max_length=8000)],
) -> Response:
    """Answer the customer."""
    body = inbox_api.Reply(agent=staff.agent_name, text=text)
    return _answer(request, await inbox_api.reply(handoff_id, body, request, pool, staff.identity.tenant))


@router.post("/{handoff_id}/handback", response_model=None)
async def handback(
    request: Request,
    handoff_id: int,
    staff: Annotated[Staff, need("inbox.reply")],
    pool: PoolDep,
    text: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Give the conversation back to the bot."""
    body = inbox_api.Handback(agent=staff.agent_name, text=text)
    return _answer(request, await inbox_api.handback(handoff_id, body, request, pool, staff.identity.tenant))


@router.post("/{handoff_id}/close", response_model=None)
async def close(
    request: Request,
    handoff_id: int,
    staff: Annotated[Staff, need("inbox.close")],
    pool: PoolDep,
    resolution: Annotated[str, Form(min_length=1, max_length=2000)],
    text: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Close with a resolution, and an optional last word to the customer."""
    body = inbox_api.Close(agent=staff.agent_name, resolution=resolution, text=text)
    return _answer(request, await inbox_api.close(handoff_id, body, request, pool, staff.identity.tenant))
