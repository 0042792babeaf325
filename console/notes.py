"""Private notes on a handoff: words for colleagues, kept in the ticket's history and never sent to the customer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from audit.log import record
from console.access import Staff, need
from console.pages import render
from server.routes.support_deps import PoolDep
from support import inbox
from support.connections import Db, Row
from support.tickets import add_event, ticket_events

router = APIRouter(prefix="/inbox")
NOTE_KIND = "private_note"


async def private_notes(db: Db | None, tenant: str, ticket_id: str | None) -> list[Row]:
    """The ticket's private notes, oldest first."""
    if not ticket_id:
        return []
    return [event for event in await ticket_events(db, tenant, ticket_id) if event["kind"] == NOTE_KIND]


@router.post("/{handoff_id}/note", response_model=None)
async def add_note(
    request: Request,
    handoff_id: int,
    staff: Annotated[Staff, need("inbox.reply")],
    pool: PoolDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Add a private note to the handoff's ticket."""
    if not text.strip():
        return render(request, "action_error.html", None, status_code=422, message="text: write the note first")
    tenant = staff.identity.tenant
    try:
        handoff = await inbox.get_handoff(pool, tenant, handoff_id)
    except inbox.HandoffNotFoundError:
        return render(request, "action_error.html", None, status_code=404, message=f"handoff {handoff_id} not found")
    if not handoff["ticket_id"]:
        return render(request, "action_error.html", None, status_code=409, message="this handoff has no ticket")
    await add_event(pool, tenant, handoff["ticket_id"], kind=NOTE_KIND, actor=staff.agent_name, body=text.strip())
    await record("inbox.note", "handoff", handoff_id, {"ticket_id": handoff["ticket_id"]}, actor=staff.identity)
    notes = await private_notes(pool, tenant, handoff["ticket_id"])
    return render(request, "notes.html", None, notes=notes)
